import { RemovalPolicy } from "aws-cdk-lib";
import { AttributeType, BillingMode, Table, TableEncryption } from "aws-cdk-lib/aws-dynamodb";
import { Construct } from "constructs";
import { tableKey } from "../lambda/store/table.ts";

export interface StorageProps {
  /** Keep the table (and its counters) when the stack is deleted. Default: true. */
  retainOnDelete?: boolean;
  /** On-demand by default: a few hundred writes a minute cost cents and need no capacity planning. */
  billing?: { mode: "on-demand" } | { mode: "provisioned"; readCapacity: number; writeCapacity: number };
}

/**
 * The exporter's one DynamoDB table: cursors, cumulative counters, last buckets and
 * discovery caches. Counters are the product's memory, so the table survives stack
 * deletion unless the operator opts out, and point-in-time recovery is on.
 */
export class Storage extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: StorageProps = {}) {
    super(scope, id);
    const billing = props.billing ?? { mode: "on-demand" };
    this.table = new Table(this, "State", {
      // The same key names the handlers and the local table use.
      partitionKey: { name: tableKey.partitionKey, type: AttributeType.STRING },
      sortKey: { name: tableKey.sortKey, type: AttributeType.STRING },
      ...(billing.mode === "provisioned"
        ? {
            billingMode: BillingMode.PROVISIONED,
            readCapacity: billing.readCapacity,
            writeCapacity: billing.writeCapacity,
          }
        : { billingMode: BillingMode.PAY_PER_REQUEST }),
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: tableKey.timeToLive,
      removalPolicy: props.retainOnDelete === false ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
  }
}
