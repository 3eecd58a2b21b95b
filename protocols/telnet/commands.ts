// The bytes of the Telnet protocol this room speaks: RFC 854 commands and the option numbers of
// ECHO (RFC 857), SUPPRESS-GO-AHEAD (RFC 858), TERMINAL-TYPE (RFC 1091) and NAWS (RFC 1073).
export const IAC = 255;
export const DONT = 254;
export const DO = 253;
export const WONT = 252;
export const WILL = 251;
export const SB = 250;
export const SE = 240;

export const OPT_ECHO = 1;
export const OPT_SGA = 3;
export const OPT_TTYPE = 24;
export const OPT_NAWS = 31;

/** TERMINAL-TYPE subnegotiation verbs (RFC 1091): the server SENDs, the client answers IS. */
export const TTYPE_IS = 0;
export const TTYPE_SEND = 1;

export const CR = 13;
export const LF = 10;
export const NUL = 0;
