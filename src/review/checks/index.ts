import type { ReviewCheck } from '../check.js';
import hlTime001 from './hl-time-001.js';
import hlTime002 from './hl-time-002.js';
import hlVer001 from './hl-ver-001.js';
import hlVer002 from './hl-ver-002.js';
import hlVer003 from './hl-ver-003.js';

/** The review checks, in report order. Add a file and list it here. */
export const REVIEW_CHECKS: ReviewCheck[] = [hlVer001, hlVer002, hlVer003, hlTime001, hlTime002];
