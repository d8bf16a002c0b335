import assert from 'node:assert/strict';
import {
  decodeBody,
  parseContentType,
  parseEntity,
  splitMultipart,
} from '../../../../src/transports/as2/mime.ts';

describe('AS2 MIME', () => {
  describe('parseEntity', () => {
    it('splits headers from the body, unfolds folded headers and leaves the body bytes alone', () => {
      const raw = Buffer.from(
        'Content-Type: multipart/signed;\r\n\tboundary="b"\r\nX-A: 1\r\n\r\nline1\nline2\r\n',
      );
      const entity = parseEntity(raw);
      assert.deepEqual(entity.headers, [
        { name: 'Content-Type', value: 'multipart/signed; boundary="b"' },
        { name: 'X-A', value: '1' },
      ]);
      assert.equal(entity.body.toString(), 'line1\nline2\r\n');
    });

    it('reads LF-only entities and entities without headers', () => {
      assert.equal(parseEntity(Buffer.from('A: b\n\nbody')).body.toString(), 'body');
      assert.deepEqual(parseEntity(Buffer.from('\r\nbody')).headers, []);
    });

    it('refuses an entity without the blank line that ends its headers', () => {
      assert.throws(() => parseEntity(Buffer.from('Content-Type: text/plain\r\nno end')), {
        code: 'unexpected-processing-error',
      });
    });
  });

  describe('parseContentType', () => {
    it('reads quoted parameters, semicolons inside quotes included, and lower-cases names only', () => {
      const type = parseContentType(
        'Multipart/Signed; Protocol="application/pkcs7-signature"; micalg=SHA-256; boundary="a;b=c"',
      );
      assert.equal(type.mediaType, 'multipart/signed');
      assert.equal(type.params.get('protocol'), 'application/pkcs7-signature');
      assert.equal(type.params.get('micalg'), 'SHA-256');
      assert.equal(type.params.get('boundary'), 'a;b=c');
    });
  });

  describe('splitMultipart', () => {
    it('returns each part without the CRLF that belongs to the next delimiter, ignoring preamble and epilogue', () => {
      const body = Buffer.from(
        'preamble\r\n--b\r\nA: 1\r\n\r\npart one\r\n\r\n--b  \r\n\r\npart two\r\n--b--\r\nepilogue',
      );
      const parts = splitMultipart(body, 'b');
      assert.deepEqual(parts.map(String), ['A: 1\r\n\r\npart one\r\n', '\r\npart two']);
    });

    it('does not take the boundary string inside a line for a delimiter', () => {
      const body = Buffer.from('--b\r\n\r\nx --b y\r\n--bz\r\n--b--\r\n');
      assert.deepEqual(splitMultipart(body, 'b').map(String), ['\r\nx --b y\r\n--bz']);
    });

    it('refuses a body without its closing delimiter', () => {
      assert.throws(() => splitMultipart(Buffer.from('--b\r\n\r\nx\r\n'), 'b'), /closing/);
    });
  });

  describe('decodeBody', () => {
    it('decodes base64 across line breaks and quoted-printable, and refuses what is not base64', () => {
      const b64 = {
        headers: [{ name: 'Content-Transfer-Encoding', value: 'BASE64' }],
        body: Buffer.from('aGVs\r\nbG8=\r\n'),
      };
      assert.equal(decodeBody(b64).toString(), 'hello');
      const qp = {
        headers: [{ name: 'Content-Transfer-Encoding', value: 'quoted-printable' }],
        body: Buffer.from('a=3Db=\r\nc'),
      };
      assert.equal(decodeBody(qp).toString(), 'a=bc');
      assert.throws(() => decodeBody({ ...b64, body: Buffer.from('not*base64') }), {
        code: 'unexpected-processing-error',
      });
    });
  });
});
