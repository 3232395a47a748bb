/**
 * dnarchive/ecc: its public API arrives with the corresponding issue; the subpath exists now so
 * that the package layout is stable.
 */
export {};
