/** Public surface of upload/: the upload-pack service (clone and fetch). */
export { uploadPack } from './service.js';
export { requestedProtocolVersion } from './protocol-version.js';
export type { UploadPackSession, UploadPackOutcome } from './types.js';
export { readUploadSettings, type UploadSettings } from './settings.js';
