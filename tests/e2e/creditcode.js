// Valid 统一社会信用代码 for tests (GB 32100 check character, with a valid GB 11714
// 组织机构代码 inside), so imported enterprises pass the model's checks without confirmation.
const CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

/** `region`: 6-digit county code; `serial`: any number, made into the 8-digit org body. */
function creditCode(region, serial) {
  const body = String(serial % 1e8).padStart(8, '0');
  const orgSum = [...body].reduce((s, c, i) => s + Number(c) * ORG_WEIGHTS[i], 0);
  const orgCheck = { 10: 'X', 11: '0' }[11 - (orgSum % 11)] ?? String(11 - (orgSum % 11));
  const first17 = `91${region}${body}${orgCheck}`;
  const sum = [...first17].reduce((s, c, i) => s + CHARSET.indexOf(c) * WEIGHTS[i], 0);
  return first17 + CHARSET[(31 - (sum % 31)) % 31];
}

module.exports = { creditCode };
