import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { afterEach, describe, expect, it, vi } from "vitest";
import { handler, internalError } from "../../lambda/handlers/serve.ts";

const event = {
  rawPath: "/metrics",
  rawQueryString: "",
  headers: {},
  requestContext: { http: { method: "GET" } },
} as unknown as APIGatewayProxyEventV2;

describe("the endpoint's Lambda entry point", () => {
  afterEach(() => {
    delete process.env.CF_ZONES;
    vi.restoreAllMocks();
  });

  it("answers a failure to start with a plain 500, logged, and no internals in the body", async () => {
    process.env.CF_ZONES = "not-a-zone-id";
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => {
      lines.push(String(line));
    });
    const result = await handler(event);
    expect(result).toEqual(internalError);
    expect(result.body).toBe("internal error\n");
    expect(lines.join("")).toContain("the endpoint failed");
    expect(lines.join("")).toContain("CF_ZONES");
  });
});
