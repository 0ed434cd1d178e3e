import { MAX_JSON_DEPTH } from '@connaisseur-mesh/json';

/** What the envelope of an AdmissionReview says, as far as the bytes scanned show it. */
export interface ReviewHead {
  apiVersion?: string;
  kind?: string;
  uid?: string;
}

type HeadField = keyof ReviewHead;

const ROOT_KEYS = ['apiVersion', 'kind', 'request'] as const;
const REQUEST_KEYS = ['uid'] as const;

/**
 * Strings longer than this (raw bytes, escapes included) are not decoded: a key of interest has at
 * most 10 characters (60 bytes if each is a \u escape), a real uid is a 36-character UUID.
 */
const MAX_KEPT = 1024;

const enum Expect {
  Value,
  ValueOrClose,
  Key,
  KeyOrClose,
  Colon,
  CommaOrClose,
  End,
}

const enum Mode {
  Structure,
  String,
  Literal,
}

/** Which string is being kept: a key of the root object, a key of `request`, or a head field's value. */
const enum Keep {
  None,
  RootKey,
  RequestKey,
  Value,
}

const OBJECT = 1;
const ARRAY = 2;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Byte classes outside strings. */
const WHITESPACE = 1;
/** Starts a number, true, false or null. */
const LITERAL_START = 2;
/** May continue one (JSON.parse checks the grammar). */
const LITERAL = 4;
const CLASSES = new Uint8Array(256);
for (const b of [0x20, 0x0a, 0x0d, 0x09]) CLASSES[b] = WHITESPACE;
for (const c of '0123456789-tfn') CLASSES[c.charCodeAt(0)] |= LITERAL_START;
for (const c of '0123456789+-.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ') CLASSES[c.charCodeAt(0)] |= LITERAL;

/**
 * One linear pass over JSON bytes, fed in chunks as they arrive: it bounds the nesting depth and
 * reads the AdmissionReview envelope (`apiVersion`, `kind`, `request.uid`) from whatever prefix it
 * has seen. It stops at the first opening bracket deeper than the bound, or at the first byte that
 * makes the text invalid JSON.
 *
 * Hand-written because JSON.parse has no depth option and the streaming JSON parsers on npm
 * (clarinet, stream-json, @streamparser/json) have none either; they also turn every token into a
 * JS value, many times the cost of this pass, which follows only brackets, commas, colons and string
 * boundaries, and decodes the few strings it keeps with JSON.parse itself.
 *
 * It checks structure (brackets, commas, colons, what may start a value, the strings it keeps);
 * the grammar of numbers and literals and the content of other strings are left to JSON.parse. So
 * `invalid` is claimed only where JSON.parse rejects the text too, and valid JSON is never invalid.
 */
export class JsonScanner {
  /** Bytes consumed; once stopped, up to and including the byte it stopped at. */
  scanned = 0;
  /** The deepest nesting seen (a scalar is depth 0, `[]` depth 1). */
  deepest = 0;
  /** Why it stopped reading, if it did. */
  stopped?: 'too-deep' | 'invalid';
  /** The envelope's fields; like JSON.parse, a later duplicate key replaces an earlier one. */
  readonly head: ReviewHead = {};

  /** OBJECT or ARRAY per open bracket (a plain array: cheaper to make than a typed one per body). */
  private readonly frames: number[] = [];
  private depth = 0;
  private expect = Expect.Value;
  private mode = Mode.Structure;
  private stringIsKey = false;
  private escaped = false;
  private keep = Keep.None;
  private kept?: Buffer;
  private keptLength = 0;
  private keptEscapes = false;
  private valueField?: HeadField;
  /** The key of the root object's member being read, and of `request`'s, when one of interest. */
  private rootKey?: (typeof ROOT_KEYS)[number];
  private requestKey?: (typeof REQUEST_KEYS)[number];

  constructor(private readonly maxDepth = MAX_JSON_DEPTH) {}

  /** Scans the next bytes of the text; false once it has stopped. */
  write(bytes: Uint8Array): boolean {
    const n = bytes.length;
    let i = 0;
    while (i < n && this.stopped === undefined) {
      if (this.mode === Mode.String) {
        i = this.string(bytes, i);
        continue;
      }
      if (this.mode === Mode.Literal) {
        while (i < n && CLASSES[bytes[i]] & LITERAL) i++;
        if (i === n) break;
        this.mode = Mode.Structure;
        this.valueDone();
      }
      const b = bytes[i++];
      if (!(CLASSES[b] & WHITESPACE)) this.structure(b);
    }
    this.scanned += i;
    return this.stopped === undefined;
  }

  private structure(b: number) {
    switch (this.expect) {
      case Expect.ValueOrClose:
      case Expect.Value:
        if (b === 0x5d && this.expect === Expect.ValueOrClose) return this.close(ARRAY);
        return this.value(b);
      case Expect.KeyOrClose:
      case Expect.Key:
        if (b === 0x7d && this.expect === Expect.KeyOrClose) return this.close(OBJECT);
        if (b !== QUOTE) return this.invalid();
        this.stringIsKey = true;
        return this.startString(this.depth === 1 ? Keep.RootKey : this.depth === 2 && this.inRequest() ? Keep.RequestKey : Keep.None);
      case Expect.Colon:
        if (b !== 0x3a) return this.invalid();
        this.expect = Expect.Value;
        return;
      case Expect.CommaOrClose:
        if (b === 0x2c) this.expect = this.frames[this.depth - 1] === OBJECT ? Expect.Key : Expect.Value;
        else if (b === 0x7d) this.close(OBJECT);
        else if (b === 0x5d) this.close(ARRAY);
        else this.invalid();
        return;
      case Expect.End:
        return this.invalid();
    }
  }

  private value(b: number) {
    const field = this.slot();
    // A later `request` member replaces the earlier one whole, its uid included (as in JSON.parse).
    if (field === 'request') delete this.head.uid;
    else if (field) delete this.head[field];
    if (b === 0x7b || b === 0x5b) return this.open(b === 0x7b ? OBJECT : ARRAY);
    if (b === QUOTE) {
      this.stringIsKey = false;
      this.valueField = field === 'request' ? undefined : field;
      return this.startString(this.valueField ? Keep.Value : Keep.None);
    }
    if (!(CLASSES[b] & LITERAL_START)) return this.invalid();
    this.mode = Mode.Literal;
  }

  /** The field a value at the current position would set (rootKey is only ever set in a root object). */
  private slot(): HeadField | 'request' | undefined {
    if (this.depth === 1) return this.rootKey;
    if (this.depth === 2 && this.inRequest()) return this.requestKey;
    return undefined;
  }

  /** Inside the object that is the value of the root's `request`. */
  private inRequest(): boolean {
    return this.rootKey === 'request' && this.frames[1] === OBJECT;
  }

  private open(frame: number) {
    if (this.depth === this.maxDepth) {
      this.stopped = 'too-deep';
      return;
    }
    this.frames[this.depth++] = frame;
    if (this.depth > this.deepest) this.deepest = this.depth;
    this.expect = frame === OBJECT ? Expect.KeyOrClose : Expect.ValueOrClose;
  }

  private close(frame: number) {
    if (this.depth === 0 || this.frames[this.depth - 1] !== frame) return this.invalid();
    this.depth--;
    this.valueDone();
  }

  private valueDone() {
    this.expect = this.depth === 0 ? Expect.End : Expect.CommaOrClose;
  }

  private startString(keep: Keep) {
    this.mode = Mode.String;
    this.escaped = false;
    this.keep = keep;
    this.keptLength = 0;
    this.keptEscapes = false;
  }

  /** Consumes string bytes from `i` up to and including the closing quote; returns the next index. */
  private string(bytes: Uint8Array, i: number): number {
    const n = bytes.length;
    const start = i;
    const end = this.keep === Keep.None ? this.skipString(bytes, i) : this.stringEnd(bytes, i, n);
    if (this.keep !== Keep.None) this.keepBytes(bytes, start, end);
    if (end === n) return n;
    this.stringDone();
    return end + 1;
  }

  /** Byte by byte: where the string's closing quote is before `limit`, else `limit` (escape state kept). */
  private stringEnd(bytes: Uint8Array, i: number, limit: number): number {
    let escaped = this.escaped;
    for (; i < limit; i++) {
      if (escaped) escaped = false;
      else if (bytes[i] === BACKSLASH) escaped = true;
      else if (bytes[i] === QUOTE) break;
    }
    this.escaped = escaped;
    return i;
  }

  /**
   * Like stringEnd, for a string that is not kept: past its first bytes (most strings are short)
   * it jumps from quote to quote with indexOf (memchr) and counts the backslashes before each.
   */
  private skipString(bytes: Uint8Array, i: number): number {
    const n = bytes.length;
    const limit = Math.min(n, i + 32);
    const end = this.stringEnd(bytes, i, limit);
    if (end < limit || end === n) return end;
    // From here on, no byte at `from` is escaped: a run of backslashes right before a quote
    // escapes it when its length is odd.
    for (let from = end + (this.escaped ? 1 : 0); ; ) {
      this.escaped = false;
      const quote = bytes.indexOf(QUOTE, from);
      const stop = quote === -1 ? n : quote;
      let backslashes = 0;
      while (stop - backslashes - 1 >= from && bytes[stop - backslashes - 1] === BACKSLASH) backslashes++;
      if (quote === -1) {
        this.escaped = backslashes % 2 === 1;
        return n;
      }
      if (backslashes % 2 === 0) return quote;
      from = quote + 1;
    }
  }

  private keepBytes(bytes: Uint8Array, start: number, end: number) {
    const kept = (this.kept ??= Buffer.allocUnsafe(MAX_KEPT));
    // Byte by byte: the strings kept are short, and a subarray would cost more than the copy.
    for (let i = start, k = this.keptLength; i < end && k < MAX_KEPT; i++, k++) {
      kept[k] = bytes[i];
      if (bytes[i] === BACKSLASH) this.keptEscapes = true;
    }
    this.keptLength += end - start;
  }

  private stringDone() {
    this.mode = Mode.Structure;
    if (this.keep === Keep.RootKey) this.rootKey = this.keptKey(ROOT_KEYS);
    else if (this.keep === Keep.RequestKey) this.requestKey = this.keptKey(REQUEST_KEYS);
    else if (this.keep === Keep.Value) {
      const text = this.decodeKept();
      if (text !== undefined) this.head[this.valueField!] = text;
    }
    if (this.stringIsKey) this.expect = Expect.Colon;
    else this.valueDone();
  }

  /** Which of `names` the kept key is, if any (a key without escapes is compared as bytes). */
  private keptKey<K extends string>(names: readonly K[]): K | undefined {
    const length = this.keptLength;
    if (length > MAX_KEPT) return undefined;
    if (this.keptEscapes) {
      const key = this.decodeKept();
      return names.find((name) => name === key);
    }
    return names.find((name) => name.length === length && this.keptEquals(name));
  }

  private keptEquals(ascii: string): boolean {
    for (let i = 0; i < ascii.length; i++) if (this.kept![i] !== ascii.charCodeAt(i)) return false;
    return true;
  }

  /** The kept string, decoded as JSON.parse would; undefined when too long to keep. */
  private decodeKept(): string | undefined {
    const length = this.keptLength;
    if (length > MAX_KEPT) return undefined;
    const kept = this.kept!;
    // Printable ASCII without escapes (every real uid) is its own decoding.
    let printable = !this.keptEscapes;
    for (let i = 0; printable && i < length; i++) printable = kept[i] >= 0x20 && kept[i] < 0x7f;
    if (printable) return kept.toString('latin1', 0, length);
    try {
      return JSON.parse(`"${kept.toString('utf8', 0, length)}"`) as string;
    } catch {
      // A bad escape or a raw control character: JSON.parse rejects the whole text for it too.
      this.invalid();
      return undefined;
    }
  }

  private invalid() {
    this.stopped = 'invalid';
  }
}
