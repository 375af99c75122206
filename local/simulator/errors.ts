/**
 * An error the simulated API reports the way Cloudflare does: a message, an optional
 * `extensions.code` (`authz`, `quota`, `budget`, ...) and the HTTP status Cloudflare
 * documents for it.
 */
export class CloudflareError extends Error {
  readonly code: string | undefined;
  readonly status: number;

  constructor(message: string, status: number, code?: string) {
    super(message);
    this.name = "CloudflareError";
    this.status = status;
    this.code = code;
  }
}

/**
 * A valid query asking for something the simulator does not model. Refusing loudly is
 * better than answering with invented zeros that a test could mistake for real data.
 */
export class SimulatorUnsupportedError extends CloudflareError {
  constructor(what: string) {
    super(`simulator: ${what} is not modelled by the Cloudflare API simulator`, 400, "simulator_unsupported");
    this.name = "SimulatorUnsupportedError";
  }
}
