import type { StateMachineDefinition } from "aws-local-stepfunctions";
import { runLocally, synthesizedDefinition } from "./state-machine.ts";

/**
 * The collection state machine as local mode runs it: the definition the CDK stack
 * synthesizes, executed by aws-local-stepfunctions, each Lambda task bound to the handler
 * its function runs in AWS (imported after local mode has set their environment).
 */
export interface LocalStateMachine {
  definition: StateMachineDefinition;
  execute(input: { scheduledTime: string }): Promise<unknown>;
}

export async function localStateMachine(): Promise<LocalStateMachine> {
  const definition = synthesizedDefinition();
  const [{ handler: discover }, { handler: fetchAccount }] = await Promise.all([
    import("../lambda/handlers/discover.ts"),
    import("../lambda/handlers/fetch-account.ts"),
  ]);
  return {
    definition,
    execute: (input) => runLocally(definition, input, { discover, fetchAccount }),
  };
}
