// Entry point of the vault commands: registers the catalogue (type, field), resource and
// account commands, each in vault/, in the order the help output lists them.
import type { Command } from 'commander';
import { registerAccounts } from './vault/accounts.ts';
import { registerCatalog } from './vault/catalog.ts';
import { registerResources } from './vault/resources.ts';

export function registerVault(program: Command): void {
  registerCatalog(program);
  registerResources(program);
  registerAccounts(program);
}
