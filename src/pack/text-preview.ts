/** Text from an input file as error messages quote it. */

/** The start of a line as a message shows it: printable ASCII as text, anything else as \xNN (binary files say so). */
export function preview(raw: string): string {
  let out = '';
  for (const ch of raw.slice(0, 20)) {
    const c = ch.charCodeAt(0);
    out +=
      c >= 0x20 && c < 0x7f && ch !== '"' && ch !== '\\' ? ch : c < 0x100 ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
  }
  return `"${out}"`;
}
