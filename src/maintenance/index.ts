/** Repository maintenance without git: repack, pack-refs, litter removal, and when to run them. */
export { runMaintenance, LAST_RUN_FILE, type MaintenanceOptions, type MaintenanceReport } from './run.js';
export { maintainAfterPush, settleMaintenance, type AfterPushOptions } from './auto.js';
export { autoMaintenanceNeeded, GC_AUTO_DEFAULT, GC_AUTO_PACK_LIMIT_DEFAULT, type AutoVerdict } from './thresholds.js';
export { repackObjects, type RepackOptions, type RepackResult } from './repack.js';
export { geometricRollup } from './geometric.js';
export { packRefs, type PackRefsOptions, type PackRefsResult } from './pack-refs.js';
export { removeLitter, LITTER_GRACE_MS } from './litter.js';
export { withMaintenanceLock } from './maintenance-lock.js';
export { MAINTENANCE_ERROR } from './maintenance-errors.js';
