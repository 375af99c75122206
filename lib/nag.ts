import { Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";

/**
 * Records why a cdk-nag finding does not apply here, on the narrowest construct that
 * produces it. cdk-nag 3 reads these acknowledgements (CDK's own mechanism); each
 * granular finding (`AwsSolutions-IAM5[Resource::…]`) is acknowledged on its own.
 */
export function acknowledge(scope: IConstruct, id: `AwsSolutions-${string}`, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}
