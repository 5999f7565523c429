// SPDX-License-Identifier: GPL-2.0
/*
 * Frames: building and checking the 24-byte header, CRC32C, handshake
 * payloads and join proofs.  Pure functions (no sockets, no state) so that
 * KUnit checks every malformed case.
 */
#include <crypto/sha2.h>
#include <linux/string.h>

#include "dwcp.h"

/*
 * CRC32C as iSCSI and ext4 use it: initial value and final XOR 0xffffffff,
 * over the header with its crc field zero, then the payload (crc.c picks
 * the implementation).  dwcp_crc() gives the running value, before that XOR.
 */
static u32 dwcp_crc(const struct dwcp_frame_hdr *hdr, const void *payload,
		    u32 len)
{
	u32 crc = dwcp_frame_crc_hdr(hdr);

	return len ? dwcp_crc32c(crc, payload, len) : crc;
}

/**
 * dwcp_frame_pcrc() - does a header carry its payload's CRC in aux
 *	(DWCP_FRAME_F_PCRC: its own CRC covers the header alone)?
 * @hdr: the header
 *
 * Return: true if so.
 */
bool dwcp_frame_pcrc(const struct dwcp_frame_hdr *hdr)
{
	return hdr->flags == cpu_to_be16(DWCP_FRAME_F_PCRC);
}

/**
 * dwcp_frame_pcrc_verify() - does a running CRC over a DWCP_FRAME_F_PCRC
 *	frame's payload alone (started at ~0) match the header's aux?
 * @hdr: received header, its own CRC checked
 * @crc: the running CRC
 *
 * Return: 0 if it matches, -EBADMSG otherwise.
 */
int dwcp_frame_pcrc_verify(const struct dwcp_frame_hdr *hdr, u32 crc)
{
	return ~crc == be32_to_cpu(hdr->aux) ? 0 : -EBADMSG;
}

/**
 * dwcp_frame_crc_hdr() - the running CRC over a header, for a payload that
 *	is checked in pieces (dwcp_crc32c() each, then dwcp_frame_crc_verify())
 * @hdr: the header; its crc field is taken as zero
 *
 * Return: the running (not yet inverted) CRC32C.
 */
u32 dwcp_frame_crc_hdr(const struct dwcp_frame_hdr *hdr)
{
	struct dwcp_frame_hdr h = *hdr;

	h.crc = 0;
	return dwcp_crc32c(~0U, &h, sizeof(h));
}

/**
 * dwcp_frame_crc_verify() - does a running CRC match the header's?
 * @hdr: received header
 * @crc: running CRC from dwcp_frame_crc_hdr() over header and payload
 *
 * Return: 0 if it matches, -EBADMSG otherwise.
 */
int dwcp_frame_crc_verify(const struct dwcp_frame_hdr *hdr, u32 crc)
{
	return ~crc == be32_to_cpu(hdr->crc) ? 0 : -EBADMSG;
}

/* Every field but the CRC, left as it was. */
static void dwcp_frame_fill(struct dwcp_frame_hdr *hdr, u8 type, u32 len,
			    u64 seq, u32 aux)
{
	hdr->version = DWCP_PROTO_VERSION;
	hdr->type = type;
	hdr->flags = 0;
	hdr->len = cpu_to_be32(len);
	hdr->seq = cpu_to_be64(seq);
	hdr->aux = cpu_to_be32(aux);
}

/**
 * dwcp_frame_build() - fill in a frame header, CRC included
 * @hdr: header to fill
 * @type: enum dwcp_frame_type
 * @len: payload length
 * @seq: sequence field
 * @aux: aux field
 * @payload: the @len payload bytes that will follow the header
 */
void dwcp_frame_build(struct dwcp_frame_hdr *hdr, u8 type, u32 len, u64 seq,
		      u32 aux, const void *payload)
{
	dwcp_frame_fill(hdr, type, len, seq, aux);
	hdr->crc = cpu_to_be32(~dwcp_crc(hdr, payload, len));
}

/**
 * dwcp_frame_build_from_iter() - dwcp_frame_build() for a payload copied
 *	from @from on the way (the CRC in the same pass where that is faster)
 * @hdr: header to fill
 * @type: enum dwcp_frame_type
 * @len: payload length
 * @seq: sequence field
 * @payload: where the @len bytes go
 * @from: where they come from
 * @pcrc: a DWCP_FRAME_F_PCRC frame (DATA only): the payload's CRC in aux
 *
 * Return: 0; -EFAULT (a user page faulted or @from is short; @from is
 * left as it was).
 */
int dwcp_frame_build_from_iter(struct dwcp_frame_hdr *hdr, u8 type, u32 len,
			       u64 seq, void *payload, struct iov_iter *from,
			       bool pcrc)
{
	u32 crc;

	dwcp_frame_fill(hdr, type, len, seq, 0);
	crc = pcrc ? ~0U : dwcp_frame_crc_hdr(hdr);
	if (!dwcp_copy_from_iter_crc32c(payload, len, from, &crc))
		return -EFAULT;
	if (pcrc) {
		hdr->flags = cpu_to_be16(DWCP_FRAME_F_PCRC);
		hdr->aux = cpu_to_be32(~crc);
		crc = dwcp_frame_crc_hdr(hdr);
	}
	hdr->crc = cpu_to_be32(~crc);
	return 0;
}

/**
 * dwcp_frame_set_flags() - set a built header's flags and aux, CRC again
 * @hdr: header from dwcp_frame_build()
 * @flags: DWCP_FRAME_F_* bits
 * @aux: new aux field
 * @payload: the payload the header's length covers
 */
void dwcp_frame_set_flags(struct dwcp_frame_hdr *hdr, u16 flags, u32 aux,
			  const void *payload)
{
	hdr->flags = cpu_to_be16(flags);
	hdr->aux = cpu_to_be32(aux);
	hdr->crc = 0;
	hdr->crc = cpu_to_be32(~dwcp_crc(hdr, payload,
					 be32_to_cpu(hdr->len)));
}

/**
 * dwcp_frame_check_hdr() - is this header acceptable before its payload?
 * @hdr: received header
 * @max_data: largest DATA payload this receiver accepts
 *
 * Checked before any payload is read, so an oversized length never makes
 * the receiver allocate or wait for it.
 *
 * Return: 0 if acceptable; -EPROTONOSUPPORT for another version; -EPROTO
 * for an unknown type or unknown flags; -EMSGSIZE for a length (or a
 * compressed frame's session length) out of the bounds of the frame's type.
 */
int dwcp_frame_check_hdr(const struct dwcp_frame_hdr *hdr, u32 max_data)
{
	u32 len = be32_to_cpu(hdr->len);

	if (hdr->version != DWCP_PROTO_VERSION)
		return -EPROTONOSUPPORT;
	if (hdr->flags && (hdr->type != DWCP_FRAME_DATA ||
			   (hdr->flags != cpu_to_be16(DWCP_FRAME_F_ZSTD) &&
			    !dwcp_frame_pcrc(hdr))))
		return -EPROTO;
	if (hdr->flags == cpu_to_be16(DWCP_FRAME_F_ZSTD) &&
	    (!hdr->aux || be32_to_cpu(hdr->aux) > max_data))
		return -EMSGSIZE;
	switch (hdr->type) {
	case DWCP_FRAME_HELLO:
	case DWCP_FRAME_HELLO_ACK:
	case DWCP_FRAME_JOIN:
	case DWCP_FRAME_JOIN_ACK:
		return len > DWCP_HANDSHAKE_MAX ? -EMSGSIZE : 0;
	case DWCP_FRAME_DECLINE:
	case DWCP_FRAME_ACK:
	case DWCP_FRAME_FIN:
	case DWCP_FRAME_REC_ACK:
	case DWCP_FRAME_RESYNC:
	case DWCP_FRAME_RESET:
	case DWCP_FRAME_RESEND:
		return len ? -EMSGSIZE : 0;
	case DWCP_FRAME_DATA:
		return (len == 0 || len > max_data) ? -EMSGSIZE : 0;
	default:
		return -EPROTO;
	}
}

/**
 * dwcp_frame_check_crc() - does the CRC cover this header and payload?
 * @hdr: received header
 * @payload: its be32_to_cpu(@hdr->len) payload bytes
 *
 * Return: 0 if it matches, -EBADMSG otherwise.
 */
int dwcp_frame_check_crc(const struct dwcp_frame_hdr *hdr, const void *payload)
{
	u32 len = be32_to_cpu(hdr->len);

	if (dwcp_frame_pcrc(hdr)) {
		if (dwcp_frame_crc_verify(hdr, dwcp_frame_crc_hdr(hdr)))
			return -EBADMSG;
		return dwcp_frame_pcrc_verify(hdr, dwcp_crc32c(~0U, payload,
								len));
	}
	return dwcp_frame_crc_verify(hdr, dwcp_crc(hdr, payload, len));
}

/**
 * dwcp_hello_parse() - validate a HELLO payload
 * @p: payload
 * @len: its length
 * @out: the hello, copied
 *
 * Longer payloads (a newer client) are accepted; the known prefix is used,
 * and fields a shorter (older) one lacks read 0.
 *
 * Return: 0, or -EBADMSG if too short or a reserved field is set.
 */
int dwcp_hello_parse(const void *p, u32 len, struct dwcp_hello *out)
{
	if (len < DWCP_HELLO_MIN_LEN)
		return -EBADMSG;
	memset(out, 0, sizeof(*out));
	memcpy(out, p, min_t(u32, len, sizeof(*out)));
	if (out->reserved || !be16_to_cpu(out->streams) ||
	    be16_to_cpu(out->streams) > DWCP_MAX_STREAMS)
		return -EBADMSG;
	return 0;
}

/**
 * dwcp_hello_ack_parse() - validate a HELLO_ACK payload
 * @p: payload
 * @len: its length
 * @out: the reply, copied
 *
 * Longer payloads are accepted; fields a shorter (older) one lacks read 0.
 *
 * Return: 0, or -EBADMSG if too short or out of range.
 */
int dwcp_hello_ack_parse(const void *p, u32 len, struct dwcp_hello_ack *out)
{
	u32 max_frame;

	if (len < DWCP_HELLO_ACK_MIN_LEN)
		return -EBADMSG;
	memset(out, 0, sizeof(*out));
	memcpy(out, p, min_t(u32, len, sizeof(*out)));
	max_frame = be32_to_cpu(out->max_frame);
	if (out->reserved || !be16_to_cpu(out->streams) ||
	    be16_to_cpu(out->streams) > DWCP_MAX_STREAMS ||
	    max_frame < DWCP_MIN_FRAME || max_frame > DWCP_MAX_FRAME)
		return -EBADMSG;
	return 0;
}

/**
 * dwcp_join_parse() - validate a JOIN payload (not its proof)
 * @p: payload
 * @len: its length
 * @out: the join, copied
 *
 * Index 0 is allowed: stream 0 rejoins like any other.
 *
 * Return: 0, or -EBADMSG if too short, reserved bits set or index too big.
 */
int dwcp_join_parse(const void *p, u32 len, struct dwcp_join *out)
{
	if (len < sizeof(*out))
		return -EBADMSG;
	memcpy(out, p, sizeof(*out));
	if (out->reserved || be16_to_cpu(out->index) >= DWCP_MAX_STREAMS)
		return -EBADMSG;
	return 0;
}

/* HMAC-SHA256 (RFC 2104) over the concatenation of @n parts. */
static void dwcp_hmac_sha256(u8 out[SHA256_DIGEST_SIZE], const u8 *key,
			     unsigned int key_len, const u8 *const *parts,
			     const unsigned int *lens, int n)
{
	u8 pad[SHA256_BLOCK_SIZE], inner[SHA256_DIGEST_SIZE];
	struct sha256_state st;
	int i;

	/* Keys here are 64 bytes (two 32-byte keys): exactly one block. */
	memset(pad, 0, sizeof(pad));
	memcpy(pad, key, min_t(unsigned int, key_len, sizeof(pad)));
	for (i = 0; i < SHA256_BLOCK_SIZE; i++)
		pad[i] ^= 0x36;
	sha256_init(&st);
	sha256_update(&st, pad, sizeof(pad));
	for (i = 0; i < n; i++)
		sha256_update(&st, parts[i], lens[i]);
	sha256_final(&st, inner);

	for (i = 0; i < SHA256_BLOCK_SIZE; i++)
		pad[i] ^= 0x36 ^ 0x5c;
	sha256_init(&st);
	sha256_update(&st, pad, sizeof(pad));
	sha256_update(&st, inner, sizeof(inner));
	sha256_final(&st, out);
	memzero_explicit(pad, sizeof(pad));
	memzero_explicit(inner, sizeof(inner));
}

/**
 * dwcp_join_proof() - compute the proof of a JOIN or JOIN_ACK
 * @out: the proof
 * @ckey: client key from the hello
 * @skey: server key from the hello ack
 * @token: session token
 * @index: stream index
 * @nonce: the join's nonce
 * @ack: false for the JOIN proof, true for the JOIN_ACK proof
 */
void dwcp_join_proof(u8 out[DWCP_PROOF_LEN], const u8 ckey[DWCP_KEY_LEN],
		     const u8 skey[DWCP_KEY_LEN], u32 token, u16 index,
		     const u8 nonce[DWCP_NONCE_LEN], bool ack)
{
	static const char label_join[] = "dwcp-join";
	static const char label_ack[] = "dwcp-join-ack";
	u8 key[2 * DWCP_KEY_LEN];
	__be32 tok = cpu_to_be32(token);
	__be16 idx = cpu_to_be16(index);
	const u8 *parts[] = { ack ? (const u8 *)label_ack : (const u8 *)label_join,
			      (u8 *)&tok, (u8 *)&idx, nonce };
	const unsigned int lens[] = { ack ? sizeof(label_ack) - 1 :
					    sizeof(label_join) - 1,
				      sizeof(tok), sizeof(idx), DWCP_NONCE_LEN };

	memcpy(key, ckey, DWCP_KEY_LEN);
	memcpy(key + DWCP_KEY_LEN, skey, DWCP_KEY_LEN);
	dwcp_hmac_sha256(out, key, sizeof(key), parts, lens, ARRAY_SIZE(parts));
	memzero_explicit(key, sizeof(key));
}
