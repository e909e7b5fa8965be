// The API from the browser: JSON in and out; every refusal becomes {code, error} ready to show,
// placed beside the field it concerns. Money stays exact: strings and BigInt paise, never floats.

/** Calls the API; resolves to the JSON body, or rejects with {status, code, error}. */
export async function api(method, path, body, token) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch {
    throw { status: 0, code: 'NETWORK', error: 'The server cannot be reached. Check your connection and try again.' };
  }
  let json = null;
  try {
    json = await res.json();
  } catch {
    /* not JSON */
  }
  if (!res.ok || json?.success === false) {
    const wait = res.headers.get('retry-after');
    let error = typeof json?.error === 'string' ? json.error : `The server answered ${res.status}; try again shortly.`;
    if (res.status === 429 && wait && !/retry in/i.test(error)) error += ` Try again in ${wait} s.`;
    throw { status: res.status, code: json?.code ?? `HTTP_${res.status}`, error };
  }
  return json;
}

const AMOUNT = /^(0|[1-9][0-9]{0,12})(\.[0-9]{1,2})?$/;

/** Rupees text ("1000", "12.5", "0.01") to paise as a BigInt; null when not a valid positive amount. */
export function toPaise(text) {
  const m = AMOUNT.exec(String(text).trim());
  if (!m) return null;
  const paise = BigInt(m[1]) * 100n + BigInt((m[2] ?? '.').slice(1).padEnd(2, '0'));
  return paise > 0n ? paise : null;
}

/** round_half_up(paise * 150 / 10000): the 1.5% fee exactly as the server computes it. */
export function feePaise(paise) {
  return (paise * 150n + 5000n) / 10000n;
}

/** Paise to "1,234.56" (Indian grouping). */
export function paiseText(p) {
  const neg = p < 0n;
  const a = neg ? -p : p;
  return `${neg ? '-' : ''}${(a / 100n).toLocaleString('en-IN')}.${String(a % 100n).padStart(2, '0')}`;
}

/** A money string from the API ("1015.00") to "₹1,015.00". */
export function rupees(text) {
  const m = /^(-?)(\d+)\.(\d\d)$/.exec(String(text ?? ''));
  if (!m) return `₹${text}`;
  return `${m[1]}₹${BigInt(m[2]).toLocaleString('en-IN')}.${m[3]}`;
}

/** The fee preview for an amount typed in the pay form; null while it is not a valid amount. */
export function feeFor(amountText) {
  const paise = toPaise(amountText);
  if (paise === null) return null;
  const fee = feePaise(paise);
  return { fee: paiseText(fee), total: paiseText(paise + fee) };
}

/** Hashes per second, readable. */
export function rateText(v) {
  const n = Number(v) || 0;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} MH/s`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(2)} kH/s`;
  return `${Math.round(n)} H/s`;
}

const NOUNS = {
  pan_card: 'PAN',
  rbi_number: 'RBI number',
  full_name: 'full name',
  initial_balance: 'initial balance',
  bank_name: 'bank',
  receiver_idx: 'receiver',
  amount: 'amount',
  height: 'block height',
};

/** Which field an error code concerns, when the message alone does not say. */
const CODE_FIELD = {
  INVALID_PAN: 'pan_card',
  PAN_ALREADY_REGISTERED: 'pan_card',
  INVALID_BANK: 'bank_name',
  INVALID_USER_IDX: 'receiver_idx',
  RECEIVER_NOT_FOUND: 'receiver_idx',
  SELF_PAYMENT: 'receiver_idx',
  INSUFFICIENT_FUNDS: 'amount',
};

/** The message made readable for a person: API field names become words. */
function readable(message, field) {
  const required = /must have required property '(\w+)'|\/(\w+) must NOT have fewer than 1 characters/.exec(message);
  if (required) {
    const noun = NOUNS[required[1] ?? required[2]];
    return noun ? `The ${noun} is required.` : 'This field is required.';
  }
  let text = message.replace(/^Invalid request: (body|params|querystring)\/?/, '');
  for (const [name, noun] of Object.entries(NOUNS)) text = text.replace(new RegExp(`(^|\\s)${name}\\b`, 'g'), (m, sp) => (!sp ? `The ${noun}` : name.includes('_') ? `${sp}${noun}` : m));
  if (field && !/[.!?)]$/.test(text)) text += '.';
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Places an API error beside the field it concerns: returns {[field]: message} for one of `fields`,
 * or {form: message} when it concerns the whole form or action.
 */
export function placeError(err, fields) {
  const message = String(err?.error ?? 'Something went wrong; try again.');
  let field = CODE_FIELD[err?.code];
  if (!field || !fields.includes(field)) {
    let at = Infinity;
    field = undefined;
    for (const f of fields) {
      const i = message.search(new RegExp(`\\b${f}\\b`));
      if (i >= 0 && i < at) [at, field] = [i, f];
    }
  }
  return field ? { [field]: readable(message, field) } : { form: readable(message, null) };
}
