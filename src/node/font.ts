/**
 * A 5x9 bitmap font for ASCII 32-126, drawn for this project, for the Node canvas (canvas.ts).
 * Each glyph is 9 rows, top to bottom: rows 0-6 stand on the baseline, rows 7-8 are descenders.
 * A row is one base-32 digit (0-9, a-v) whose bit 4 is the leftmost of the 5 columns.
 */
const GLYPHS = [
  '000000000444440400aaa000000aavavaa004fke5u400op248j300cik8lid00448000000248884200842224800',
  '04lel4000044v44000000004480000v0000000000cc0001248g000ehjlphe004c4444e00eh1248v00v2421he00',
  '26aiv2200vgu11he0068guhhe00v12488800ehhehhe00ehhf12c000cc0cc0000cc0cc480248g8420000v0v0000',
  '842124800eh1240400eh1dlle00ehhvhhh00uhhuhhu00ehggghe00sihhhis00vgguggv00vgguggg00ehgnhhf00',
  'hhhvhhh00e44444e0072222ic00hikokih00ggggggv00hrllhhh00hhpljhh00ehhhhhe00uhhuggg00ehhhlid00',
  'uhhukih00fgge11u00v44444400hhhhhhe00hhhhha400hhhllla00hha4ahh00hha444400v1248gv00e88888e00',
  '0g8421000e22222e004ah0000000000000v084200000000e1fhf00ggmphhu0000egghe0011djhhf0000ehvge00',
  '698s8880000fhhhf1eggmphhh0040c444e002062222icggikoki00c44444e0000qllll0000mphhh0000ehhhe00',
  '00uhhhugg00fhhhf1100mpggg0000fge1u0088s88960000hhhjd0000hhha40000hhlla0000ha4ah0000hhhhf1e',
  '00v248v00244844200444444400844244800008l20000',
].join('');

/** Cell size: 5 columns of ink plus 1 of spacing; 7 rows above the baseline, 2 below. */
export const FONT = { width: 5, advance: 6, ascent: 7, rows: 9 };

/** The glyph of `ch` as 9 row bitmasks (bit 4 = leftmost column); '?' for characters outside ASCII 32-126. */
export function glyph(ch: string): number[] {
  let code = ch.charCodeAt(0);
  if (!(code >= 32 && code <= 126)) code = 63;
  const at = (code - 32) * FONT.rows;
  const rows: number[] = [];
  for (let r = 0; r < FONT.rows; r++) rows.push(parseInt(GLYPHS[at + r], 32));
  return rows;
}
