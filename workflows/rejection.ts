// A request the rules refuse (an update validator's answer). Pure, shared by both state classes.
export class Rejection extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}
