import { readFileSync } from 'node:fs';
import { ChannelCredentials, credentials, ServerCredentials } from '@grpc/grpc-js';
import { grpcTlsFiles, readCertificatesFile } from '@connaisseur-mesh/config';

/**
 * gRPC transport security. With a service mesh the links are plain gRPC and the sidecars do
 * mutual TLS; without one, GRPC_TLS_CERT/KEY/CA turn on mutual TLS in the apps themselves.
 */
export function serverCredentials(): ServerCredentials {
  const files = grpcTlsFiles();
  if (!files) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(
    Buffer.from(readCertificatesFile('GRPC_TLS_CA', files.ca)),
    [{ cert_chain: readFileSync(files.cert), private_key: readFileSync(files.key) }],
    true, // clients must present a certificate signed by the CA
  );
}

export function clientCredentials(): ChannelCredentials {
  const files = grpcTlsFiles();
  if (!files) return credentials.createInsecure();
  return credentials.createSsl(Buffer.from(readCertificatesFile('GRPC_TLS_CA', files.ca)), readFileSync(files.key), readFileSync(files.cert));
}
