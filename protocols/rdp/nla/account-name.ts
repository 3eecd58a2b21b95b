// How an account name in the vault becomes NTLM's user and domain. `DOMAIN\user` names a domain
// (or, with the server's own name, a local account); `user@domain.example` is a user principal
// name, which NTLM sends whole with an empty domain (MS-NLMP 3.1.5.1.2 lets the server resolve
// it); a bare `user` is a local account of the target, optionally in the resource's domain.
export function ntlmAccount(name: string, defaultDomain = ''): { user: string; domain: string } {
  const slash = name.indexOf('\\');
  if (slash > 0) return { domain: name.slice(0, slash), user: name.slice(slash + 1) };
  if (name.includes('@')) return { user: name, domain: '' };
  return { user: name, domain: defaultDomain };
}
