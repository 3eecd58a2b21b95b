// The web listener's public entry, for the composition root and the rooms that mount routes on it.
export {
  startWebListener,
  type AuthenticateApiKey,
  type RunningWebListener,
  type WebListenerOptions,
} from './listener.ts';
export {
  Router,
  type HttpMethod,
  type RouteAuth,
  type RouteHandler,
  type RouteSpec,
  type UpgradeSpec,
  type WebRequest,
  type WebRouteModule,
} from './router.ts';
export { json, html, text, redirect, errorReply, isLocalPath, type WebReply } from './reply.ts';
export {
  ensureWebCertificate,
  selfSignedPaths,
  fingerprintOfPem,
  type WebCertificate,
} from './certificate.ts';
export { SECURITY_HEADERS, CONTENT_SECURITY_POLICY } from './security-headers.ts';
