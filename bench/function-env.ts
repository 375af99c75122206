/**
 * The environment of a measured process that stands for a Lambda function: this shell's,
 * less the variables a function's environment does not have. Lambda's Node runtime sets no
 * `NODE_EXTRA_CA_CERTS` (nor does the stack), and with one set, as on a machine behind a
 * proxy with its own CA, Node reads and parses that file whenever TLS is first loaded: on
 * the bench's machine some 45 M instructions at every import of a bundle, more than a
 * bundle's own code. `NODE_OPTIONS` is the stack's to set, and the bench passes the
 * function's options itself.
 */
export function functionEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { NODE_EXTRA_CA_CERTS: _extraCertificates, NODE_OPTIONS: _options, ...shell } = process.env;
  return { ...shell, ...extra };
}
