/**
 * `npm run simulator`: the Cloudflare API simulator on its own, for trying the exporter
 * or any GraphQL client against known data. Settings come from the environment:
 * SIMULATOR_PORT (default 8787), SIMULATOR_SETTLE_SECONDS (default 240).
 */
import { startSimulator } from "./server.ts";

const port = Number(process.env.SIMULATOR_PORT ?? 8787);
const settleSeconds = Number(process.env.SIMULATOR_SETTLE_SECONDS ?? 240);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`SIMULATOR_PORT must be a port number, got ${process.env.SIMULATOR_PORT}`);
  process.exit(2);
}

try {
  const simulator = await startSimulator({ port, settleSeconds });
  const token = simulator.world.tokens.find((t) => t.kind === "user" && t.status === "active");
  const lines = [
    "Cloudflare API simulator (synthetic data, real time)",
    `  API base URL   ${simulator.baseUrl}`,
    `  GraphQL        POST ${simulator.baseUrl}/graphql`,
    `  API token      ${token?.value ?? "(none)"}`,
    `  ground truth   http://127.0.0.1:${simulator.port}/__simulator/ground-truth`,
    "  zones:",
    ...simulator.world.zones.map(
      (zone) => `    ${zone.id}  ${zone.name.padEnd(18)} ${zone.plan.padEnd(10)} ${zone.accountName}`,
    ),
    "",
    "Try:",
    `  curl -s ${simulator.baseUrl}/zones -H 'Authorization: Bearer ${token?.value ?? ""}'`,
    "",
    "Point the exporter at it with",
    `  CLOUDFLARE_API_BASE_URL=${simulator.baseUrl} CLOUDFLARE_API_TOKEN=${token?.value ?? ""}`,
  ];
  console.log(lines.join("\n"));
  const stop = () => {
    simulator.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  console.error(
    code === "EADDRINUSE"
      ? `port ${port} is in use: set SIMULATOR_PORT to a free port (0 picks one)`
      : `the simulator could not start: ${(error as Error).message}`,
  );
  process.exit(1);
}
