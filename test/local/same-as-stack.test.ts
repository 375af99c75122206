import { describe, expect, it } from "vitest";
import { tableKeys } from "../../lambda/store/table.ts";
import { localStateMachine } from "../../local/executor.ts";
import { only, synth } from "../infra/synth.ts";

/**
 * Local mode runs the state machine the stack synthesizes, not a copy: the definition it
 * executes equals the template's DefinitionString, once the Lambda ARNs (intrinsics in
 * the template, placeholders locally) are set aside.
 */
describe("local mode runs what the stack deploys", () => {
  it("creates its table with the stack's key schema", () => {
    const table = only(synth().template, "AWS::DynamoDB::Table");
    expect({ KeySchema: table.KeySchema, AttributeDefinitions: table.AttributeDefinitions }).toEqual(
      tableKeys,
    );
  });

  it("executes the synthesized state machine definition", async () => {
    const local = await localStateMachine();
    const { template } = synth();
    const definition = only(template, "AWS::StepFunctions::StateMachine").DefinitionString as {
      "Fn::Join": [string, unknown[]];
    };
    const [separator, parts] = definition["Fn::Join"];
    const fromTemplate = parts
      .map((part) => (typeof part === "string" ? part : "<function arn>"))
      .join(separator);
    const fromLocal = JSON.stringify(local.definition).replace(
      /arn:aws:lambda:[^"]+:function:(discover|fetchAccount)/g,
      "<function arn>",
    );
    expect(JSON.parse(fromLocal)).toEqual(JSON.parse(fromTemplate));
    // The tasks name their functions: discover first, then fetchAccount inside the Map.
    expect(JSON.stringify(local.definition).match(/function:\w+/g)).toEqual([
      "function:discover",
      "function:fetchAccount",
    ]);
  });
});
