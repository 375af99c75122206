import { createSigner } from "../lambda/lib/sigv4.ts";
const signer = createSigner({ region: "us-east-1", service: "dynamodb", credentials: async () => ({ accessKeyId: "AKID", secretAccessKey: "secret", sessionToken: "tok".repeat(300) }) });
const url = new URL("https://dynamodb.us-east-1.amazonaws.com/");
const body = JSON.stringify({ TableName: "t", KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": { S: "x".repeat(60) } } });
for (let round = 0; round < 3; round++) {
  const t = performance.now();
  for (let i = 0; i < 2000; i++) await signer.sign({ method: "POST", url, headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810.Query" }, body });
  console.log(((performance.now() - t) / 2000 * 1000).toFixed(1), "µs per signature");
}
