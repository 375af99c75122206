import { Duration } from "aws-cdk-lib";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import {
  type Chain,
  Errors,
  JitterType,
  JsonPath,
  Map as MapState,
  Pass,
} from "aws-cdk-lib/aws-stepfunctions";
import { LambdaInvoke } from "aws-cdk-lib/aws-stepfunctions-tasks";
import type { Construct } from "constructs";

/** State names: the local simulator (aws-local-stepfunctions) and the logs know states by these. */
export const stateNames = {
  discover: "DiscoverAccounts",
  forEachAccount: "ForEachAccount",
  fetchAccount: "FetchAccount",
  recordFailure: "RecordFailedAccount",
} as const;

/** Errors of the Lambda service itself (not of our code): worth another try at once. */
export const transientLambdaErrors = [
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.ClientExecutionTimeoutException",
  "Lambda.TooManyRequestsException",
];

/**
 * One collection cycle, in JSONPath (not JSONata, so aws-local-stepfunctions can run the
 * synthesized definition in tests):
 *
 *   DiscoverAccounts → ForEachAccount (inline Map over $.accounts) → FetchAccount
 *
 * Each item of `$.accounts` is a work item: an account, or a slice of a large account's
 * zones (ZONES_PER_WORK_ITEM), so the Map spreads a large estate over many invocations.
 *
 * Handlers return plain JSON (`payloadResponseOnly`): no Lambda envelope to unwrap. Each
 * Map iteration catches its own failure and turns it into that account's result, so one
 * failing account never stops the others, and the execution's output lists every account.
 */
export function collectionWorkflow(
  scope: Construct,
  functions: { discover: IFunction; fetchAccount: IFunction },
  options: { maxConcurrency: number },
): Chain {
  const discover = LambdaInvoke.jsonPath(scope, stateNames.discover, {
    lambdaFunction: functions.discover,
    payloadResponseOnly: true,
    // CDK's default retrier (2 s ×2, 6 times: up to 126 s) outlasts a one-minute cycle.
    retryOnServiceExceptions: false,
    comment:
      "Lists the work items to collect: { accounts: [{ accountId, accountName, scheduledTime, zones?, accountStages? }] }",
  });
  const fetchAccount = LambdaInvoke.jsonPath(scope, stateNames.fetchAccount, {
    lambdaFunction: functions.fetchAccount,
    payloadResponseOnly: true,
    retryOnServiceExceptions: false,
    comment: "Collects one account; returns a small summary",
  });
  for (const task of [discover, fetchAccount]) {
    // Throttles and Lambda service hiccups: a short budget (at most 1 + 2 + 4 s of waits),
    // with full jitter so concurrent iterations do not retry in lockstep.
    task.addRetry({
      errors: transientLambdaErrors,
      interval: Duration.seconds(1),
      backoffRate: 2,
      maxAttempts: 3,
      maxDelay: Duration.seconds(4),
      jitterStrategy: JitterType.FULL,
    });
  }

  const recordFailure = Pass.jsonPath(scope, stateNames.recordFailure, {
    comment: "This account's result when its fetch failed; the other accounts go on",
    parameters: {
      "accountId.$": "$.accountId",
      "accountName.$": "$.accountName",
      failed: true,
      "error.$": "$.failure.Error",
      "cause.$": "$.failure.Cause",
    },
  });
  fetchAccount.addCatch(recordFailure, { errors: [Errors.ALL], resultPath: "$.failure" });

  const forEachAccount = MapState.jsonPath(scope, stateNames.forEachAccount, {
    comment: "One fetcher per work item, at most maxConcurrency at once",
    itemsPath: JsonPath.stringAt("$.accounts"),
    maxConcurrency: options.maxConcurrency,
  }).itemProcessor(fetchAccount);

  return discover.next(forEachAccount);
}
