// Entry point of the vault repositories: re-exports the catalogue (types, fields), resources,
// accounts and secrets (history, personal passwords) queries, each split into vault/.
export { fieldsRepo, typesRepo } from './vault/catalog.ts';
export { resourcesRepo, toResource } from './vault/resources.ts';
export { accountsRepo, toAccount } from './vault/accounts.ts';
export { historyRepo, personalRepo } from './vault/secrets.ts';
