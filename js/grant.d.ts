/** A key shared by the merchant's backend and the edge. */
export interface GrantKey {
  /** 1..64 of A-Z a-z 0-9 . _ - ; travels in every grant the key signs. */
  id: string;
  /** At least 32 bytes: base64url text, or the raw bytes. */
  secret: string | Uint8Array | ArrayBuffer;
}

/** What a grant entitles its bearer to, with the wire names. */
export interface GrantClaims {
  /** The official account's appid. */
  app: string;
  /** The card to sign (wx.addCard), or the card_id of wx.chooseCard. */
  card: string;
  code?: string;
  openid?: string;
  outer_str?: string;
  /** Unix seconds. */
  fixed_begintimestamp?: number;
  /** A LUCKY_MONEY card's amount in fen. */
  balance?: number;
  /** Restrict wx.chooseCard. */
  shop_id?: string;
  card_type?: string;
  /** Unix seconds; optional. */
  iat?: number;
  nbf?: number;
  /** Unix seconds; mintGrant defaults it to now + 5 minutes, at most 10 minutes ahead. */
  exp?: number;
  /** Unique id; mintGrant draws 128 random bits. */
  jti?: string;
}

/** Verified claims: the key id, exp and jti are always present. */
export interface VerifiedGrantClaims extends GrantClaims {
  kid: string;
  exp: number;
  jti: string;
}

export type GrantErrorReason =
  | 'malformed'
  | 'invalid_claims'
  | 'unknown_key'
  | 'bad_mac'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_app'
  | 'invalid_key';

/** Why a grant or key was refused; never carries a secret or a MAC. */
export declare class GrantError extends Error {
  readonly name: 'GrantError';
  readonly reason: GrantErrorReason;
  /** The edge's error code: grant_invalid, grant_expired, grant_not_yet_valid, grant_wrong_app or grant_unknown_key. */
  readonly code: string;
}

export interface MintOptions {
  /** Replaces the clock: a Date or Unix seconds. */
  now?: Date | number;
}

export interface VerifyOptions extends MintOptions {
  app: string;
  keys: GrantKey[];
}

export declare const MAX_LIFETIME_SECONDS: 600;
export declare const DEFAULT_LIFETIME_SECONDS: 300;
export declare const CLOCK_SKEW_SECONDS: 30;
export declare const MAX_TOKEN_LENGTH: 4096;
export declare const MIN_SECRET_LENGTH: 32;

/** Signs claims with key; resolves to the token. */
export declare function mintGrant(key: GrantKey, claims: GrantClaims, options?: MintOptions): Promise<string>;
/** Checks a token as the edge does; resolves to its claims or rejects with a GrantError. */
export declare function verifyGrant(token: string, options: VerifyOptions): Promise<VerifiedGrantClaims>;
/** Reads "id:secret" keys separated by commas or white space. */
export declare function parseGrantKeys(text: string): GrantKey[];
