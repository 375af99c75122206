import { Stack, type StackProps } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { Storage } from "./storage.ts";

/** The whole exporter in one stack; each concern is a construct of its own. */
export class ExporterStack extends Stack {
  readonly storage: Storage;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);
    this.storage = new Storage(this, "Storage");
  }
}
