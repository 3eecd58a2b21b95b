// The test-only door to core's internals. Product code cannot reach a core's context (store,
// keyring, authorizer): it is a private field, and lint keeps gateway/, tui/ and cli/ out of
// core's files. Tests that build a service by hand or read rows directly come through here.
export { contextOf } from '../../core/core.ts';
export { CoreContext } from '../../core/context.ts';
export type { Store } from '../../core/storage/db.ts';
export { Keyring } from '../../core/crypto/keyring.ts';
export { readKeyFile } from '../../core/crypto/key-file.ts';
export { rotateMasterKey, checkAllSecrets } from '../../core/crypto/rotate-key.ts';
