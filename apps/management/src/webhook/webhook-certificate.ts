import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { generate } from 'selfsigned';

export interface WebhookCertificate {
  cert: string;
  key: string;
  selfSigned: boolean;
}

/**
 * The webhook's serving certificate: TLS_CERT/TLS_KEY (in Kubernetes, the chart's Secret), or a
 * self-signed one made at start for localhost, 127.0.0.1 and the host name (local stack).
 */
export async function webhookCertificate(certFile?: string, keyFile?: string): Promise<WebhookCertificate> {
  if (certFile && keyFile) {
    return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), selfSigned: false };
  }
  const pems = await generate([{ name: 'commonName', value: 'connaisseur-mesh-management' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 2, value: hostname() },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private, selfSigned: true };
}
