/** Lowest protocol version each pjsip transport `method` lets a peer negotiate. */
export const METHOD_FLOOR: Readonly<Record<string, number>> = {
  sslv2: 0.2,
  sslv3: 0.3,
  sslv23: 0.2,
  tlsv1: 1.0,
  default: 1.0,
  unspecified: 1.0,
  tlsv1_1: 1.1,
  tlsv1_2: 1.2,
  tlsv1_3: 1.3,
};
