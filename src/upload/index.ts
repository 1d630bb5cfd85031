/** Public surface of upload/: the upload-pack service (clone and fetch). */
export { uploadPack } from './service.js';
export type { UploadPackSession, UploadPackOutcome, UploadTransport, UploadIdentity } from './types.js';
export { readUploadSettings, type UploadSettings } from './settings.js';
