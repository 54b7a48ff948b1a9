import { api } from '@/api/client'
import type { LoginUser } from '@/api/types'
import { auth } from '@/lib/auth'

/** Store the user the login answered with; the session cookie is already set by the server. */
export function signedIn(user: LoginUser) {
  auth.set({ id: user.id, username: user.username, display_name: user.display_name, role: user.role, status: user.status, group: user.group })
}

export function safeRedirect(raw: unknown): string {
  const s = typeof raw === 'string' ? raw : ''
  return s.startsWith('/') && !s.startsWith('//') && !s.startsWith('/login') ? s : '/console'
}

export async function oauthState(): Promise<string> {
  const aff = localStorage.getItem('aff')
  return api.get<string>('/api/oauth/state', aff ? { aff } : undefined)
}

// ---- WebAuthn JSON ↔ ArrayBuffer (passkeys)

export function b64urlToBuffer(value: string): ArrayBuffer {
  const padded = (value + '='.repeat((4 - (value.length % 4)) % 4)).replace(/-/g, '+').replace(/_/g, '/')
  const raw = atob(padded)
  const out = new Uint8Array(raw.length)
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i)
  return out.buffer
}

export function bufferToB64url(buffer: ArrayBuffer | null | undefined): string {
  if (!buffer) return ''
  const bytes = new Uint8Array(buffer)
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

function optionsOf(payload: Json): Json {
  const o = payload?.options?.publicKey ?? payload?.options ?? payload?.publicKey ?? payload
  if (!o?.challenge) throw new Error('Invalid passkey options from the server')
  return o
}

export function requestOptions(payload: Json): PublicKeyCredentialRequestOptions {
  const o = optionsOf(payload)
  return {
    ...o,
    challenge: b64urlToBuffer(o.challenge),
    allowCredentials: (o.allowCredentials ?? []).map((c: Json) => ({ ...c, id: b64urlToBuffer(c.id) })),
  } as PublicKeyCredentialRequestOptions
}

export function creationOptions(payload: Json): PublicKeyCredentialCreationOptions {
  const o = optionsOf(payload)
  return {
    ...o,
    challenge: b64urlToBuffer(o.challenge),
    user: { ...o.user, id: b64urlToBuffer(o.user.id) },
    excludeCredentials: (o.excludeCredentials ?? []).map((c: Json) => ({ ...c, id: b64urlToBuffer(c.id) })),
  } as PublicKeyCredentialCreationOptions
}

export function assertionJson(cred: PublicKeyCredential): Json {
  const r = cred.response as AuthenticatorAssertionResponse
  return {
    id: cred.id,
    rawId: bufferToB64url(cred.rawId),
    type: cred.type,
    authenticatorAttachment: cred.authenticatorAttachment,
    response: {
      authenticatorData: bufferToB64url(r.authenticatorData),
      clientDataJSON: bufferToB64url(r.clientDataJSON),
      signature: bufferToB64url(r.signature),
      userHandle: r.userHandle ? bufferToB64url(r.userHandle) : null,
    },
    clientExtensionResults: cred.getClientExtensionResults?.() ?? {},
  }
}

export function attestationJson(cred: PublicKeyCredential): Json {
  const r = cred.response as AuthenticatorAttestationResponse
  return {
    id: cred.id,
    rawId: bufferToB64url(cred.rawId),
    type: cred.type,
    authenticatorAttachment: cred.authenticatorAttachment,
    response: {
      attestationObject: bufferToB64url(r.attestationObject),
      clientDataJSON: bufferToB64url(r.clientDataJSON),
      transports: r.getTransports?.(),
    },
    clientExtensionResults: cred.getClientExtensionResults?.() ?? {},
  }
}
