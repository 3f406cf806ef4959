// Small helpers that behave as Python's do, for the phone's ports of the server's rules
// (assessment.js, prices.js): dict.get, int-and-not-bool, str.rstrip and repr().

export const has = (object, key) => object != null && Object.prototype.hasOwnProperty.call(object, key)
export const get = (object, key) => (has(object, key) ? object[key] : undefined)
// int and not bool, as prices._whole (a JavaScript number cannot tell 1.0 from 1).
export const whole = (value) => typeof value === 'number' && Number.isInteger(value)

// str.rstrip(): Python's whitespace, which differs from JavaScript's \s at the edges.
const TRAILING_SPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/
export const rstrip = (text) => text.replace(TRAILING_SPACE, '')

const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u

function reprString (text) {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'"
  let out = quote
  for (const char of text) {
    const code = char.codePointAt(0)
    if (char === quote || char === '\\') out += '\\' + char
    else if (char === '\t') out += '\\t'
    else if (char === '\n') out += '\\n'
    else if (char === '\r') out += '\\r'
    else if (char !== ' ' && UNPRINTABLE.test(char)) {
      const [prefix, width] = code < 0x100 ? ['x', 2] : code < 0x10000 ? ['u', 4] : ['U', 8]
      out += '\\' + prefix + code.toString(16).padStart(width, '0')
    } else out += char
  }
  return out + quote
}

function reprNumber (value) {
  if (Number.isInteger(value)) return String(value)
  const [mantissa, exponent] = value.toExponential().split('e')
  const power = Number(exponent)
  if (power < -4 || power >= 16) {
    return `${mantissa}e${power < 0 ? '-' : '+'}${String(Math.abs(power)).padStart(2, '0')}`
  }
  return String(value)
}

// repr() of a value read from JSON, for the messages check_answers gives.
export function pyRepr (value) {
  if (value === null || value === undefined) return 'None'
  if (value === true) return 'True'
  if (value === false) return 'False'
  if (typeof value === 'number') return reprNumber(value)
  if (typeof value === 'string') return reprString(value)
  if (Array.isArray(value)) return '[' + value.map(pyRepr).join(', ') + ']'
  return '{' + Object.entries(value).map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(', ') + '}'
}

export const plural = (count, noun) => (count === 1 ? `${count} ${noun}` : `${count} ${noun}s`)
