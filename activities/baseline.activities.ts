// The benchmark baseline's activity: does nothing, so only Temporal's own cost is measured.
export const baselineActivities = {
  async noop(_step: string): Promise<void> {},
};
export type BaselineActivities = typeof baselineActivities;
