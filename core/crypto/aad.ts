/**
 * Associated data for a sealed cell: its table, column and row key. Binding the ciphertext to
 * its place means a value copied into another row, column or table no longer decrypts. Key
 * rotation builds the same string from SECRET_COLUMNS, so keep the two in step.
 */
export function aadFor(table: string, column: string, rowKey: readonly string[]): string {
  return `${table}.${column}:${rowKey.join(':')}`;
}

export const aad = {
  account: (id: string) => aadFor('accounts', 'password_enc', [id]),
  history: (id: string) => aadFor('password_history', 'password_enc', [id]),
  personal: (id: string) => aadFor('personal_passwords', 'password_enc', [id]),
  customValue: (ownerKind: string, ownerId: string, fieldId: string) =>
    aadFor('custom_values', 'value_enc', [ownerKind, ownerId, fieldId]),
  totp: (userId: string) => aadFor('users', 'totp_secret_enc', [userId]),
  pendingReset: (id: string) => aadFor('pending_resets', 'password_enc', [id]),
  syncDefault: (id: string) => aadFor('sync_channels', 'default_password_enc', [id]),
  recordingKey: (id: string) => aadFor('recordings', 'data_key_enc', [id]),
};
