/*
 * Token Watch's native log scanner (N-API, C99; only node_api.h, so one build loads in Node,
 * Electron and worker_threads). See native/scan/README.md.
 *
 * read(fd, buf, off, len, pos) -> bytes read (pread into a buffer the caller owns)
 * scan(buf, start, end, needles, anchors, mode, out, nums) -> position after the last line handled
 *
 * scan walks the complete lines of buf[start, end) exactly as read-increment.ts does (a line ends
 * at LF, a CR before it is dropped, empty lines are not lines), counts lines, lines holding a NUL
 * byte ("binary") and candidate lines (holding a needle) that are not valid UTF-8, and emits one
 * record per valid candidate line in order. A record is either a fallback (the line's range: JS
 * runs JSON.parse and the parser on it) or, in mode 1 (Claude Code), the values of the fields the
 * Claude Code parser reads, taken from a line this file validated as one whole JSON object. The
 * extractor is strict: any doubt (invalid JSON, an escape in a wanted string or key, a number that
 * does not convert exactly, deep nesting, a top level that is not an object) is a fallback.
 */
#include <node_api.h>
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <errno.h>
#ifndef _WIN32
#include <unistd.h>
#endif

/* ---- layout shared with src/engine/ingest/native-scan.ts ---- */
#define HEADER 8
#define NF 17
#define REC (3 + NF * 3)
enum {
  F_TYPE, F_MESSAGE, F_USAGE, F_MODEL, F_ID, F_APIERR, F_TS, F_IN, F_OUT, F_CREAD, F_CWRITE, F_CC, F_1H,
  F_REQ, F_CWD, F_SESSION, F_COST
};
enum { T_ABSENT, T_NULL, T_FALSE, T_TRUE, T_NUMBER, T_STRING, T_OBJECT, T_ARRAY };
enum { L_TOP, L_MSG, L_USAGE, L_CC, L_NONE };
#define MAX_DEPTH 128
#define MAX_NEEDLES 8

typedef struct {
  const uint8_t *base; /* the buffer: offsets are relative to it */
  const uint8_t *p, *end;
  int depth;
  int32_t tag[NF], a[NF], b[NF];
  double num[NF];
} parser;

/* ---- UTF-8 (the same acceptance as Node's buffer.isUtf8: RFC 3629, no overlongs, no surrogates) ---- */
static int valid_utf8(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    if (i + 8 <= n) {
      uint64_t v;
      memcpy(&v, s + i, 8);
      if ((v & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    uint8_t c = s[i];
    if (c < 0x80) {
      i++;
    } else if (c >= 0xC2 && c <= 0xDF) {
      if (i + 1 >= n || (s[i + 1] & 0xC0) != 0x80) return 0;
      i += 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      if (i + 2 >= n) return 0;
      uint8_t c1 = s[i + 1], c2 = s[i + 2];
      if ((c1 & 0xC0) != 0x80 || (c2 & 0xC0) != 0x80) return 0;
      if (c == 0xE0 && c1 < 0xA0) return 0; /* overlong */
      if (c == 0xED && c1 > 0x9F) return 0; /* surrogate */
      i += 3;
    } else if (c >= 0xF0 && c <= 0xF4) {
      if (i + 3 >= n) return 0;
      uint8_t c1 = s[i + 1], c2 = s[i + 2], c3 = s[i + 3];
      if ((c1 & 0xC0) != 0x80 || (c2 & 0xC0) != 0x80 || (c3 & 0xC0) != 0x80) return 0;
      if (c == 0xF0 && c1 < 0x90) return 0; /* overlong */
      if (c == 0xF4 && c1 > 0x8F) return 0; /* above U+10FFFF */
      i += 4;
    } else {
      return 0;
    }
  }
  return 1;
}

/* ---- JSON (RFC 8259, what JSON.parse accepts) ---- */
static void skip_ws(parser *P) {
  while (P->p < P->end) {
    uint8_t c = *P->p;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') P->p++;
    else break;
  }
}

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
#define HASZERO(v) (((v) - ONES) & ~(v) & HIGHS)

/* A string at P->p (the opening quote). Sets [*s, *e) to its raw content and *esc when it holds a
 * backslash. 0 when it is not a valid JSON string. */
static int parse_string(parser *P, const uint8_t **s, const uint8_t **e, int *esc) {
  const uint8_t *p = P->p + 1, *end = P->end;
  *s = p;
  *esc = 0;
  for (;;) {
    while (p + 8 <= end) {
      uint64_t v;
      memcpy(&v, p, 8);
      uint64_t q = v ^ (ONES * '"'), bs = v ^ (ONES * '\\');
      /* bytes < 0x20: (v - 0x20) borrows into the high bit of bytes below 0x20 (when no high bit set) */
      uint64_t ctl = (v - ONES * 0x20) & ~v & HIGHS;
      if (HASZERO(q) | HASZERO(bs) | ctl) break;
      p += 8;
    }
    if (p >= end) return 0;
    uint8_t c = *p;
    if (c == '"') {
      *e = p;
      P->p = p + 1;
      return 1;
    }
    if (c < 0x20) return 0;
    if (c == '\\') {
      *esc = 1;
      if (p + 1 >= end) return 0;
      uint8_t d = p[1];
      if (d == 'u') {
        if (p + 6 > end) return 0;
        for (int k = 2; k < 6; k++) {
          uint8_t h = p[k];
          if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F'))) return 0;
        }
        p += 6;
      } else if (d == '"' || d == '\\' || d == '/' || d == 'b' || d == 'f' || d == 'n' || d == 'r' || d == 't') {
        p += 2;
      } else {
        return 0;
      }
      continue;
    }
    p++;
  }
}

static const double POW10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                               1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* A number at P->p. 0 when not valid JSON. *exact is 1 when *out is the value JSON.parse gives:
 * at most 15 significant digits and a decimal exponent within 22 (Clinger's fast path: one exact
 * operand and one correctly rounded multiply or divide). */
static int parse_number(parser *P, double *out, int *exact) {
  const uint8_t *p = P->p, *end = P->end;
  int neg = 0;
  uint64_t m = 0;
  int sig = 0, frac = 0;
  long exp = 0;
  *exact = 1;
  if (p < end && *p == '-') {
    neg = 1;
    p++;
  }
  if (p >= end) return 0;
  if (*p == '0') {
    p++;
  } else if (*p >= '1' && *p <= '9') {
    while (p < end && *p >= '0' && *p <= '9') {
      if (sig < 16) m = m * 10 + (uint64_t)(*p - '0');
      sig++;
      p++;
    }
  } else {
    return 0;
  }
  if (p < end && *p == '.') {
    p++;
    if (p >= end || *p < '0' || *p > '9') return 0;
    while (p < end && *p >= '0' && *p <= '9') {
      if (sig > 0 || *p != '0') {
        if (sig < 16) m = m * 10 + (uint64_t)(*p - '0');
        sig++;
      }
      frac++;
      p++;
    }
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    p++;
    int eneg = 0;
    if (p < end && (*p == '+' || *p == '-')) {
      eneg = *p == '-';
      p++;
    }
    if (p >= end || *p < '0' || *p > '9') return 0;
    int digits = 0;
    while (p < end && *p >= '0' && *p <= '9') {
      if (exp < 100000) exp = exp * 10 + (*p - '0');
      digits++;
      p++;
    }
    if (eneg) exp = -exp;
  }
  P->p = p;
  if (sig > 15) {
    *exact = 0;
    return 1;
  }
  double v;
  if (m == 0) {
    v = 0.0;
  } else {
    long k = exp - frac;
    if (k < -22 || k > 22) {
      *exact = 0;
      return 1;
    }
    v = k >= 0 ? (double)m * POW10[k] : (double)m / POW10[-k];
  }
  *out = neg ? -v : v;
  return 1;
}

static int parse_value(parser *P, int field, int level);

/* The field a key names at a level, or -1. */
static int field_of(int level, const uint8_t *k, size_t n) {
#define K(lit, f) \
  if (n == sizeof(lit) - 1 && memcmp(k, lit, n) == 0) return f
  switch (level) {
    case L_TOP:
      K("type", F_TYPE);
      K("message", F_MESSAGE);
      K("isApiErrorMessage", F_APIERR);
      K("timestamp", F_TS);
      K("requestId", F_REQ);
      K("cwd", F_CWD);
      K("sessionId", F_SESSION);
      K("costUSD", F_COST);
      return -1;
    case L_MSG:
      K("usage", F_USAGE);
      K("model", F_MODEL);
      K("id", F_ID);
      return -1;
    case L_USAGE:
      K("input_tokens", F_IN);
      K("output_tokens", F_OUT);
      K("cache_read_input_tokens", F_CREAD);
      K("cache_creation_input_tokens", F_CWRITE);
      K("cache_creation", F_CC);
      return -1;
    case L_CC:
      K("ephemeral_1h_input_tokens", F_1H);
      return -1;
  }
#undef K
  return -1;
}

/* The level an object-valued field opens, or L_NONE. */
static int child_level(int field) {
  switch (field) {
    case F_MESSAGE: return L_MSG;
    case F_USAGE: return L_USAGE;
    case F_CC: return L_CC;
    default: return L_NONE;
  }
}

/* A later duplicate key replaces the whole value (JSON.parse keeps the last): forget what the
 * earlier one held below it. */
static void clear_below(parser *P, int field) {
  static const int8_t below_msg[] = {F_USAGE, F_MODEL, F_ID, F_IN, F_OUT, F_CREAD, F_CWRITE, F_CC, F_1H, -1};
  static const int8_t below_usage[] = {F_IN, F_OUT, F_CREAD, F_CWRITE, F_CC, F_1H, -1};
  static const int8_t below_cc[] = {F_1H, -1};
  const int8_t *l = field == F_MESSAGE ? below_msg : field == F_USAGE ? below_usage : field == F_CC ? below_cc : NULL;
  if (!l) return;
  for (; *l >= 0; l++) P->tag[*l] = T_ABSENT;
}

/* An object at P->p ('{'): wanted keys recorded when level is not L_NONE. */
static int parse_object(parser *P, int level) {
  if (++P->depth > MAX_DEPTH) return 0;
  P->p++;
  skip_ws(P);
  if (P->p < P->end && *P->p == '}') {
    P->p++;
    P->depth--;
    return 1;
  }
  for (;;) {
    if (P->p >= P->end || *P->p != '"') return 0;
    const uint8_t *ks, *ke;
    int esc;
    if (!parse_string(P, &ks, &ke, &esc)) return 0;
    /* An escaped key could spell a wanted one: not sure, so not ours. */
    if (esc && level != L_NONE) return 0;
    int field = level == L_NONE ? -1 : field_of(level, ks, (size_t)(ke - ks));
    skip_ws(P);
    if (P->p >= P->end || *P->p != ':') return 0;
    P->p++;
    skip_ws(P);
    if (field >= 0) clear_below(P, field);
    if (!parse_value(P, field, field >= 0 ? child_level(field) : L_NONE)) return 0;
    skip_ws(P);
    if (P->p >= P->end) return 0;
    if (*P->p == ',') {
      P->p++;
      skip_ws(P);
      continue;
    }
    if (*P->p == '}') {
      P->p++;
      P->depth--;
      return 1;
    }
    return 0;
  }
}

static int parse_array(parser *P) {
  if (++P->depth > MAX_DEPTH) return 0;
  P->p++;
  skip_ws(P);
  if (P->p < P->end && *P->p == ']') {
    P->p++;
    P->depth--;
    return 1;
  }
  for (;;) {
    if (!parse_value(P, -1, L_NONE)) return 0;
    skip_ws(P);
    if (P->p >= P->end) return 0;
    if (*P->p == ',') {
      P->p++;
      skip_ws(P);
      continue;
    }
    if (*P->p == ']') {
      P->p++;
      P->depth--;
      return 1;
    }
    return 0;
  }
}

static int literal(parser *P, const char *lit, size_t n) {
  if ((size_t)(P->end - P->p) < n || memcmp(P->p, lit, n) != 0) return 0;
  P->p += n;
  return 1;
}

/* A value at P->p; when field >= 0 its kind (and a string's range, a number's value) is recorded,
 * and an object is walked at `level` for the fields below it. */
static int parse_value(parser *P, int field, int level) {
  if (P->p >= P->end) return 0;
  uint8_t c = *P->p;
  int tag;
  switch (c) {
    case '{':
      if (!parse_object(P, level)) return 0;
      tag = T_OBJECT;
      break;
    case '[':
      if (!parse_array(P)) return 0;
      tag = T_ARRAY;
      break;
    case '"': {
      const uint8_t *s, *e;
      int esc;
      if (!parse_string(P, &s, &e, &esc)) return 0;
      if (field >= 0) {
        if (esc) return 0; /* JS decodes escapes; a wanted string with one is a fallback */
        P->a[field] = (int32_t)(s - P->base);
        P->b[field] = (int32_t)(e - P->base);
      }
      tag = T_STRING;
      break;
    }
    case 't':
      if (!literal(P, "true", 4)) return 0;
      tag = T_TRUE;
      break;
    case 'f':
      if (!literal(P, "false", 5)) return 0;
      tag = T_FALSE;
      break;
    case 'n':
      if (!literal(P, "null", 4)) return 0;
      tag = T_NULL;
      break;
    default: {
      double v = 0;
      int exact;
      if (!parse_number(P, &v, &exact)) return 0;
      if (field >= 0) {
        if (!exact) return 0;
        P->num[field] = v;
      }
      tag = T_NUMBER;
    }
  }
  if (field >= 0) P->tag[field] = tag;
  return 1;
}

/* 1 when [a, b) is one whole JSON object whose wanted fields are all recorded in P. */
static int extract_claude(parser *P, const uint8_t *base, const uint8_t *a, const uint8_t *b) {
  P->base = base;
  P->p = a;
  P->end = b;
  P->depth = 0;
  for (int i = 0; i < NF; i++) P->tag[i] = T_ABSENT;
  skip_ws(P);
  if (P->p >= P->end || *P->p != '{') return 0;
  if (!parse_object(P, L_TOP)) return 0;
  skip_ws(P);
  return P->p == P->end;
}

/* ---- needle search ---- */
typedef struct {
  const uint8_t *bytes;
  size_t len;
  size_t anchor; /* the needle's rarest byte: memchr for it, then compare the rest */
} needle;

static const uint8_t *find_needle(const needle *n, const uint8_t *from, const uint8_t *end) {
  if ((size_t)(end - from) < n->len) return NULL;
  const uint8_t *p = from + n->anchor;
  const uint8_t *last = end - (n->len - n->anchor) + 1; /* past the anchor's last possible place */
  while (p < last) {
    const uint8_t *hit = memchr(p, n->bytes[n->anchor], (size_t)(last - p));
    if (!hit) return NULL;
    const uint8_t *s = hit - n->anchor;
    if (memcmp(s, n->bytes, n->len) == 0) return s;
    p = hit + 1;
  }
  return NULL;
}

/* ---- N-API glue ---- */
#define CHECK(call) \
  do { \
    if ((call) != napi_ok) { \
      napi_throw_error(env, NULL, "tw_scan: " #call " failed"); \
      return NULL; \
    } \
  } while (0)

static int32_t get_i32(napi_env env, napi_value v, int *ok) {
  int32_t out = 0;
  if (napi_get_value_int32(env, v, &out) != napi_ok) *ok = 0;
  return out;
}

static void *typed_data(napi_env env, napi_value v, napi_typedarray_type want, size_t *len) {
  napi_typedarray_type type;
  void *data = NULL;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &type, len, &data, &ab, &off) != napi_ok || type != want) return NULL;
  return data;
}

static napi_value js_scan(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 8) {
    napi_throw_type_error(env, NULL, "tw_scan.scan: 8 arguments");
    return NULL;
  }
  size_t buflen = 0;
  uint8_t *buf = typed_data(env, argv[0], napi_uint8_array, &buflen);
  int ok = 1;
  int32_t start = get_i32(env, argv[1], &ok), end = get_i32(env, argv[2], &ok), mode = get_i32(env, argv[5], &ok);
  size_t outlen = 0, numslen = 0;
  int32_t *out = typed_data(env, argv[6], napi_int32_array, &outlen);
  double *nums = typed_data(env, argv[7], napi_float64_array, &numslen);
  uint32_t nn = 0, na = 0;
  if (!buf || !out || !nums || !ok || start < 0 || end < start || (size_t)end > buflen || outlen < HEADER ||
      napi_get_array_length(env, argv[3], &nn) != napi_ok || napi_get_array_length(env, argv[4], &na) != napi_ok ||
      nn != na || nn > MAX_NEEDLES) {
    napi_throw_type_error(env, NULL, "tw_scan.scan: bad arguments");
    return NULL;
  }
  needle needles[MAX_NEEDLES];
  for (uint32_t i = 0; i < nn; i++) {
    napi_value nv, av;
    CHECK(napi_get_element(env, argv[3], i, &nv));
    CHECK(napi_get_element(env, argv[4], i, &av));
    size_t len = 0;
    const uint8_t *bytes = typed_data(env, nv, napi_uint8_array, &len);
    int32_t anchor = get_i32(env, av, &ok);
    if (!bytes || len == 0 || !ok || anchor < 0 || (size_t)anchor >= len) {
      napi_throw_type_error(env, NULL, "tw_scan.scan: bad needle");
      return NULL;
    }
    needles[i].bytes = bytes;
    needles[i].len = len;
    needles[i].anchor = (size_t)anchor;
  }
  size_t cap = (outlen - HEADER) / REC;
  if (numslen / NF < cap) cap = numslen / NF;

  const uint8_t *e = buf + end;
  const uint8_t *pos = buf + start;
  const uint8_t *next_at[MAX_NEEDLES];
  const uint8_t *next_nul = NULL;
  int nul_done = 0; /* no NUL left in the view */
  for (uint32_t i = 0; i < nn; i++) next_at[i] = NULL;
  uint32_t needle_done = 0; /* bit i: needle i occurs no more */
  int32_t lines = 0, binary = 0, invalid = 0;
  size_t records = 0;
  parser P;

  while (pos < e && records < cap) {
    const uint8_t *nl = memchr(pos, '\n', (size_t)(e - pos));
    if (!nl) break;
    const uint8_t *a = pos, *b = nl;
    if (b > a && b[-1] == '\r') b--;
    pos = nl + 1;
    if (b <= a) continue;
    lines++;
    if (!nul_done && (next_nul == NULL || next_nul < a)) {
      next_nul = memchr(a, 0, (size_t)(e - a));
      if (!next_nul) nul_done = 1;
    }
    if (!nul_done && next_nul < b) {
      /* Skips are records too, so they count in reading order (the order of a file's skip reasons). */
      int32_t *r = out + HEADER + records * REC;
      r[0] = 2;
      r[1] = (int32_t)(a - buf);
      r[2] = (int32_t)(b - buf);
      binary++;
      records++;
      continue;
    }
    int hit = 0;
    for (uint32_t i = 0; i < nn && !hit; i++) {
      if (needle_done & (1u << i)) continue;
      if (next_at[i] == NULL || next_at[i] < a) {
        next_at[i] = find_needle(&needles[i], a, e);
        if (!next_at[i]) {
          needle_done |= 1u << i;
          continue;
        }
      }
      /* A needle holds no CR or LF: one that starts in the line ends in it. */
      if (next_at[i] < b) hit = 1;
    }
    if (!hit) continue;
    int32_t *r = out + HEADER + records * REC;
    r[1] = (int32_t)(a - buf);
    r[2] = (int32_t)(b - buf);
    if (!valid_utf8(a, (size_t)(b - a))) {
      r[0] = 3;
      invalid++;
      records++;
      continue;
    }
    if (mode == 1 && extract_claude(&P, buf, a, b)) {
      r[0] = 1;
      double *nr = nums + records * NF;
      for (int i = 0; i < NF; i++) {
        r[3 + i * 3] = P.tag[i];
        r[4 + i * 3] = P.tag[i] == T_STRING ? P.a[i] : 0;
        r[5 + i * 3] = P.tag[i] == T_STRING ? P.b[i] : 0;
        nr[i] = P.tag[i] == T_NUMBER ? P.num[i] : 0;
      }
    } else {
      r[0] = 0;
    }
    records++;
  }
  out[0] = lines;
  out[1] = binary;
  out[2] = invalid;
  out[3] = (int32_t)records;
  napi_value ret;
  CHECK(napi_create_int32(env, (int32_t)(pos - buf), &ret));
  return ret;
}

static napi_value js_read(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
#ifdef _WIN32
  /* No pread: the caller reads with fs.readSync. */
  napi_value none;
  CHECK(napi_create_int32(env, -1, &none));
  return none;
#else
  size_t buflen = 0;
  uint8_t *buf = argc >= 5 ? typed_data(env, argv[1], napi_uint8_array, &buflen) : NULL;
  int ok = 1;
  int32_t fd = argc >= 5 ? get_i32(env, argv[0], &ok) : -1;
  int32_t off = argc >= 5 ? get_i32(env, argv[2], &ok) : 0, len = argc >= 5 ? get_i32(env, argv[3], &ok) : 0;
  int64_t at = 0;
  if (argc < 5 || napi_get_value_int64(env, argv[4], &at) != napi_ok) ok = 0;
  if (!buf || !ok || fd < 0 || off < 0 || len < 0 || (size_t)off + (size_t)len > buflen || at < 0) {
    napi_throw_type_error(env, NULL, "tw_scan.read: bad arguments");
    return NULL;
  }
  size_t got = 0;
  while (got < (size_t)len) {
    ssize_t n = pread(fd, buf + off + got, (size_t)len - got, (off_t)(at + (int64_t)got));
    if (n < 0) {
      if (errno == EINTR) continue;
      /* The caller reads again with fs.readSync for Node's own error (code, message, path). */
      napi_value ret;
      CHECK(napi_create_int32(env, -1, &ret));
      return ret;
    }
    if (n == 0) break;
    got += (size_t)n;
  }
  napi_value ret;
  CHECK(napi_create_int32(env, (int32_t)got, &ret));
  return ret;
#endif
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor props[] = {
      {"scan", NULL, js_scan, NULL, NULL, NULL, napi_enumerable, NULL},
      {"read", NULL, js_read, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_value layout;
  if (napi_define_properties(env, exports, 2, props) != napi_ok) return NULL;
  if (napi_create_int32(env, HEADER * 10000 + REC * 100 + NF, &layout) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "layout", layout) != napi_ok) return NULL;
  return exports;
}
