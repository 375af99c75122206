import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, type CfnElement, Stack } from "aws-cdk-lib";
import { type RunOptions, StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import type { IConstruct } from "constructs";
import { ExporterStack } from "../lib/exporter-stack.ts";

/**
 * The collection state machine exactly as the stack synthesizes it, runnable on one
 * machine: the definition is taken from the synthesized CloudFormation template (not
 * rebuilt by hand), each Lambda ARN replaced by a placeholder that names the function, and
 * each Task state bound to a local function by aws-local-stepfunctions.
 */
export type FunctionName = "discover" | "fetchAccount";
export type LocalHandler = (input: unknown) => Promise<unknown>;

type TaskHandlers = NonNullable<NonNullable<RunOptions["overrides"]>["taskResourceLocalHandlers"]>;
type Json = Parameters<TaskHandlers[string]>[0];

const placeholderPrefix = "arn:aws:lambda:us-east-1:123456789012:function:";

/** Synthesizes the stack in memory (no bundling) and returns its state machine's ASL. */
export function synthesizedDefinition(context: Record<string, unknown> = {}): StateMachineDefinition {
  const outdir = mkdtempSync(join(tmpdir(), "exporter-synth-"));
  try {
    const app = new App({ outdir, context: { "aws:cdk:bundling-stacks": [], ...context } });
    const stack = new ExporterStack(app, "Local");
    const { collection } = stack;
    const logicalId = (construct: IConstruct) =>
      stack.resolve(Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement)) as string;
    const functions = new Map<string, FunctionName>([
      [logicalId(collection.discover.function), "discover"],
      [logicalId(collection.fetchAccount.function), "fetchAccount"],
    ]);
    const template = app.synth().getStackByName(stack.stackName).template as {
      Resources: Record<string, { Properties: { DefinitionString?: unknown } }>;
    };
    const definition = template.Resources[logicalId(collection.stateMachine)]?.Properties.DefinitionString;
    return JSON.parse(resolveIntrinsics(definition, functions)) as StateMachineDefinition;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** The few intrinsic functions a state machine definition holds, resolved for a local run. */
function resolveIntrinsics(value: unknown, functions: ReadonlyMap<string, FunctionName>): string {
  if (typeof value === "string") return value;
  if (value && typeof value === "object") {
    const [[name, args] = []] = Object.entries(value);
    if (name === "Fn::Join" && Array.isArray(args)) {
      const [separator, parts] = args as [string, unknown[]];
      return parts.map((part) => resolveIntrinsics(part, functions)).join(separator);
    }
    if (name === "Fn::GetAtt" && Array.isArray(args) && args[1] === "Arn") {
      const fn = functions.get(String(args[0]));
      if (fn) return `${placeholderPrefix}${fn}`;
    }
    if (name === "Ref" && typeof args === "string") {
      const pseudo: Record<string, string> = {
        "AWS::Partition": "aws",
        "AWS::Region": "us-east-1",
        "AWS::AccountId": "123456789012",
        "AWS::URLSuffix": "amazonaws.com",
      };
      if (pseudo[args]) return pseudo[args];
    }
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)} in the state machine definition`);
}

type States = StateMachineDefinition["States"];

/** Every Task state (Map and Parallel bodies included) with the function its Resource names. */
export function taskStates(definition: Pick<StateMachineDefinition, "States">): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (states: States) => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === "Task" && state.Resource.startsWith(placeholderPrefix))
        out.set(name, state.Resource.slice(placeholderPrefix.length));
      if (state.Type === "Map") {
        const body = state.ItemProcessor ?? state.Iterator;
        if (body) visit(body.States);
      }
      if (state.Type === "Parallel") for (const branch of state.Branches) visit(branch.States);
    }
  };
  visit(definition.States);
  return out;
}

export interface LocalRunOptions {
  /** Pause before each retry (ms). Step Functions waits seconds; a local run need not. */
  retryWaitMs?: number;
  context?: RunOptions["context"];
}

/**
 * Runs the definition with aws-local-stepfunctions, each Task state calling the local
 * handler of the function its Resource names. Inputs and results cross JSON, as they do
 * between Step Functions and Lambda.
 */
export async function runLocally(
  definition: StateMachineDefinition,
  input: unknown,
  handlers: Record<FunctionName, LocalHandler>,
  options: LocalRunOptions = {},
): Promise<unknown> {
  const taskResourceLocalHandlers: TaskHandlers = {};
  const retryIntervalOverrides: Record<string, number> = {};
  for (const [state, fn] of taskStates(definition)) {
    const handler = handlers[fn as FunctionName];
    if (!handler) throw new Error(`no local handler for ${fn} (state ${state})`);
    taskResourceLocalHandlers[state] = async (taskInput: Json) => toJson(await handler(toJson(taskInput)));
    retryIntervalOverrides[state] = options.retryWaitMs ?? 0;
  }
  const machine = machineFor(definition);
  const execution = machine.run(toJson(input), {
    overrides: { taskResourceLocalHandlers, retryIntervalOverrides },
    ...(options.context ? { context: options.context } : {}),
  });
  return execution.result;
}

/** Validating a definition takes a few hundred milliseconds; a definition is validated once. */
const machines = new WeakMap<StateMachineDefinition, StateMachine>();
function machineFor(definition: StateMachineDefinition): StateMachine {
  let machine = machines.get(definition);
  if (!machine) {
    machine = new StateMachine(definition, { validationOptions: { checkPaths: true, checkArn: true } });
    machines.set(definition, machine);
  }
  return machine;
}

function toJson(value: unknown): Json {
  return JSON.parse(JSON.stringify(value ?? null)) as Json;
}
