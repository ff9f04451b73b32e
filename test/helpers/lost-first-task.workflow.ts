// The workflow of test/integration/lost-workflow-task.test.ts: it only has to run its first task.
export async function firstTaskLost(): Promise<string> {
  return 'ran';
}
