// Public entry of the password-policy module: pure functions, no storage, no I/O.
export {
  MAX_PASSWORD_LENGTH,
  requiredCharacters,
  validatePolicyDefinition,
  type PasswordPolicy,
} from './policy.ts';
export { BUILTIN_POLICIES } from './builtin.ts';
export {
  assertPassword,
  checkPassword,
  type PasswordContext,
  type PolicyRule,
  type PolicyViolation,
} from './validate.ts';
export { generatePassword } from './generate.ts';
