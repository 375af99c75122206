import { type Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { type Agent as HttpsAgent, request as httpsRequest } from "node:https";

/**
 * One POST over Node's own HTTP client (node:http or node:https, by the URL's scheme),
 * for the AWS JSON calls (aws-json.ts, store/direct-client.ts). Not `fetch`: its first use
 * loads undici, about 35 ms of CPU at a cold start (some 90 million instructions), where
 * the functions load node:https anyway. Any failure to get an answer (the connection
 * refused or reset, the attempt out of time) is a `NetworkError`, which callers retry.
 */
export interface PostRequest {
  /** Header names as sent, the signed ones with `host` among them. */
  headers: Readonly<Record<string, string>>;
  body: string;
  /** The whole attempt's limit: connecting, sending and reading the answer. */
  timeoutMs: number;
}

export interface PostAnswer {
  status: number;
  /** A header's value by its lower-case name, repeated ones joined as fetch joins them. */
  headers: { get(name: string): string | undefined };
  text: string;
}

export type HttpPost = (url: URL, request: PostRequest) => Promise<PostAnswer>;

/** The connection pools a sender uses; Node's global agents (kept alive) unless given. */
export interface PostAgents {
  http?: HttpAgent;
  https?: HttpsAgent;
}

/** No answer came: the connection was refused or reset, or the attempt ran out of time. */
export class NetworkError extends Error {
  override name = "NetworkError";
}

export function httpPost(agents: PostAgents = {}): HttpPost {
  return (url, { headers, body, timeoutMs }) =>
    new Promise((resolve, reject) => {
      const secure = url.protocol === "https:";
      let timedOut: NetworkError | undefined;
      const fail = (error: Error) => {
        clearTimeout(deadline);
        reject(timedOut ?? new NetworkError(error.message, { cause: error }));
      };
      const request = (secure ? httpsRequest : httpRequest)(
        {
          agent: secure ? agents.https : agents.http,
          host: url.hostname,
          port: url.port,
          path: `${url.pathname}${url.search}`,
          method: "POST",
          headers: { ...headers, "content-length": Buffer.byteLength(body) },
        },
        (response) =>
          answerOf(response).then((answer) => {
            clearTimeout(deadline);
            resolve(answer);
          }, fail),
      );
      const deadline = setTimeout(() => {
        timedOut = new NetworkError(`no answer within ${timeoutMs} ms`);
        request.destroy(timedOut);
      }, timeoutMs);
      request.on("error", fail);
      request.end(body);
    });
}

async function answerOf(response: IncomingMessage): Promise<PostAnswer> {
  // Decoded as it comes: a character split between two chunks is joined first.
  response.setEncoding("utf8");
  let text = "";
  for await (const chunk of response) text += chunk as string;
  const { headers } = response;
  return {
    status: response.statusCode ?? 0,
    headers: {
      get(name) {
        const value = headers[name];
        return Array.isArray(value) ? value.join(", ") : value;
      },
    },
    text,
  };
}
