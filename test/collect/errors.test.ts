import { describe, expect, it } from "vitest";
import { classifyGraphqlErrors, classifyRestErrors } from "../../lambda/cloudflare/errors.ts";
import { partOfError } from "../../lambda/collect/request.ts";

describe("Cloudflare error classification", () => {
  it("reads the body, not the status: a budget error with HTTP 200 is a rate limit", () => {
    const error = classifyGraphqlErrors(
      [
        {
          message: "rate limiter budget depleted, try again after 5 minutes",
          path: null,
          extensions: { code: "budget" },
        },
      ],
      200,
    );
    expect({ kind: error.kind, retry: error.retryAfterSeconds }).toEqual({ kind: "rateLimited", retry: 300 });
  });

  it("names the part and zone an access error is about", () => {
    const error = classifyGraphqlErrors(
      [
        {
          message: "zone 'abc' does not have access to the path",
          path: ["viewer", "p2", "3", "rows"],
          extensions: { code: "authz" },
        },
      ],
      403,
    );
    expect({ kind: error.kind, code: error.code, at: partOfError(error) }).toEqual({
      kind: "forbidden",
      code: "authz",
      at: { part: 2, scopeIndex: 3 },
    });
  });

  it("tells transient trouble from our own bad requests", () => {
    expect(classifyGraphqlErrors([{ message: "Internal server error" }], 200).kind).toBe("transient");
    expect(
      classifyGraphqlErrors([{ message: "unable to execute query, please try again later" }], 503).kind,
    ).toBe("transient");
    expect(
      classifyGraphqlErrors(
        [{ message: "cannot request data older than 86400s", extensions: { code: "quota" } }],
        400,
      ).kind,
    ).toBe("badRequest");
    expect(classifyGraphqlErrors([{ message: "Unauthorized" }], 401).kind).toBe("unauthorized");
  });

  it("classifies REST envelopes by code, with Retry-After", () => {
    expect(classifyRestErrors([{ code: 971, message: "Please wait" }], 429, 120)).toMatchObject({
      kind: "rateLimited",
      retryAfterSeconds: 120,
    });
    expect(classifyRestErrors([{ code: 1000, message: "Invalid API Token" }], 401, undefined).kind).toBe(
      "unauthorized",
    );
    expect(classifyRestErrors([{ code: 10000, message: "Authentication error" }], 403, undefined).kind).toBe(
      "forbidden",
    );
    expect(classifyRestErrors([], 502, undefined).kind).toBe("transient");
  });
});
