// Test-only workflow interceptor: within one activation, dispatch activity results before
// signals. That is the order the chaos run recorded for a payment whose charge result and paid
// webhooks came in one workflow task (docs/chaos.md, finding 2), while a replay of the same
// history dispatched the signals first. Running a workflow with this order and replaying its
// history without it checks that the commands do not depend on the order of the jobs.
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

export const interceptors: WorkflowInterceptorsFactory = () => ({
  internals: [
    {
      activate(input, next) {
        const jobs = input.activation.jobs ?? [];
        const first = jobs.filter((job) => job.resolveActivity != null);
        const rest = jobs.filter((job) => job.resolveActivity == null);
        // In place: the SDK reads the jobs off this very activation object.
        jobs.splice(0, jobs.length, ...first, ...rest);
        return next(input);
      },
    },
  ],
});
