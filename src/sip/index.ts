/** hardline's SIP core: parse, inspect, build and write SIP messages. */
export {
  type AuthValue,
  type Challenge,
  digestAuthorization,
  parseAuthParams,
  parseAuthValue,
  parseChallenge,
} from './digest.js';
export { type CSeq, NameAddr, parseCSeq, parseNameAddr, parseVia, type Via } from './fields.js';
export { type FramerEvent, StreamFramer } from './framer.js';
export { COMPACT, canonicalName, LIST_HEADERS, splitList } from './headers.js';
export { SipHeader, SipMessage } from './message.js';
export {
  type ParseOptions,
  parse,
  type SipParseError,
  type SipParseErrorCode,
  type SipParseResult,
} from './parser.js';
export { analyzeSdp, type SdpSummary } from './sdp.js';
export { checkMessage, type SipProblem } from './semantic.js';
export { redactAuth, serialize, serializeHead, serializeText } from './serialize.js';
export { formatUri, parseUri, type SipUri, type TelUri, type Uri } from './uri.js';
