// Command tlogcheck checks a Billchain ledger with Go's own transparency-log code
// (golang.org/x/mod/sumdb/note and sumdb/tlog, Debian's golang-golang-x-mod-dev), not ours.
//
//	tlogcheck -url http://127.0.0.1:8001 -vkey <ledger Ed25519 vkey> -checkpoints DIR \
//	    [-witness <cosigner vkey> ... -quorum K]
//
// DIR holds checkpoint notes, one per file. For each one tlogcheck
//   - opens the note with note.Open and the ledger's Ed25519 verifier: the signature must verify;
//   - computes the tree hash from the ledger's tiles with tlog.TileHashReader (which authenticates
//     every tile against the tree) and compares it with the checkpoint's root;
//   - for sampled entries, reads the entry bundle, hashes the entry with tlog.RecordHash, and
//     checks an inclusion proof built by tlog.ProveRecord with tlog.CheckRecord;
//   - checks a consistency proof (tlog.ProveTree, tlog.CheckTree) from every other checkpoint
//     smaller than it;
//   - verifies the cosignature/v1 lines (c2sp.org/tlog-cosignature, type 0x04) of the given
//     witnesses with crypto/ed25519 (x/mod's note knows only type 0x01), and requires the
//     newest checkpoint to carry at least -quorum of them.
//
// It prints one line per checkpoint and exits 1 at the first failure, naming it.
// Built by the tests in GOPATH mode against the Debian sources: no module download.
package main

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const tileHeight = 8

type checkpoint struct {
	file      string
	size      int64
	root      tlog.Hash
	cosigners int // witnesses whose cosignature/v1 line verified
}

type cosigner struct {
	name string
	id   uint32
	key  ed25519.PublicKey
}

type vkeys []string

func (v *vkeys) String() string     { return strings.Join(*v, ",") }
func (v *vkeys) Set(s string) error { *v = append(*v, s); return nil }

func main() {
	base := flag.String("url", "", "the ledger's tile prefix")
	vkey := flag.String("vkey", "", "the ledger's Ed25519 verifier key")
	dir := flag.String("checkpoints", "", "a directory of checkpoint notes")
	samples := flag.Int("samples", 8, "entries checked for inclusion per checkpoint")
	quorum := flag.Int("quorum", 0, "cosignatures the newest checkpoint must carry")
	var witnesses vkeys
	flag.Var(&witnesses, "witness", "a witness's cosignature/v1 vkey (repeatable)")
	flag.Parse()
	cosigners, err := parseCosigners(witnesses)
	if err == nil {
		err = run(*base, *vkey, *dir, *samples, cosigners, *quorum)
	}
	if err != nil {
		fmt.Println("REJECTED:", err)
		os.Exit(1)
	}
}

func run(base, vkey, dir string, samples int, cosigners []cosigner, quorum int) error {
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return fmt.Errorf("vkey: %v", err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no checkpoints in %s", dir)
	}
	client := &tileClient{
		base:  strings.TrimRight(base, "/"),
		http:  &http.Client{Timeout: 30 * time.Second},
		cache: map[string][]byte{},
	}
	var checkpoints []checkpoint
	for _, file := range files {
		c, err := openCheckpoint(file, verifier, cosigners)
		if err != nil {
			return err
		}
		checkpoints = append(checkpoints, c)
	}
	sort.Slice(checkpoints, func(i, j int) bool { return checkpoints[i].size < checkpoints[j].size })
	for _, c := range checkpoints {
		if err := checkTree(client, c, samples); err != nil {
			return err
		}
	}
	for i, newer := range checkpoints {
		reader := tlog.TileHashReader(tlog.Tree{N: newer.size, Hash: newer.root}, client)
		for _, older := range checkpoints[:i] {
			proof, err := tlog.ProveTree(newer.size, older.size, reader)
			if err != nil {
				return fmt.Errorf("consistency proof %d -> %d: %v", older.size, newer.size, err)
			}
			if err := tlog.CheckTree(proof, newer.size, newer.root, older.size, older.root); err != nil {
				return fmt.Errorf("consistency %d -> %d does not verify: %v", older.size, newer.size, err)
			}
		}
		fmt.Printf("OK size %d: signature, tree hash from tiles, inclusion, consistency from %d smaller, %d cosignatures\n", newer.size, i, newer.cosigners)
	}
	if newest := checkpoints[len(checkpoints)-1]; newest.cosigners < quorum {
		return fmt.Errorf("size %d: %d cosignatures, %d required", newest.size, newest.cosigners, quorum)
	}
	fmt.Printf("VERIFIED %d checkpoints with golang.org/x/mod/sumdb\n", len(checkpoints))
	return nil
}

func openCheckpoint(file string, verifier note.Verifier, cosigners []cosigner) (checkpoint, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return checkpoint{}, err
	}
	n, err := note.Open(data, note.VerifierList(verifier))
	if err != nil {
		return checkpoint{}, fmt.Errorf("%s: note.Open: %v", filepath.Base(file), err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		return checkpoint{}, fmt.Errorf("%s: not a checkpoint", file)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return checkpoint{}, fmt.Errorf("%s: tree size: %v", file, err)
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		return checkpoint{}, fmt.Errorf("%s: root hash: %v", file, err)
	}
	count, err := verifyCosignatures(n, cosigners)
	if err != nil {
		return checkpoint{}, fmt.Errorf("%s: %v", filepath.Base(file), err)
	}
	return checkpoint{filepath.Base(file), size, root, count}, nil
}

// parseCosigners reads vkeys of type 0x04: name+hex(key ID)+base64(0x04 || 32-byte key), the key
// ID being SHA-256(name || "\n" || 0x04 || key)[:4].
func parseCosigners(vkeys []string) ([]cosigner, error) {
	var cosigners []cosigner
	for _, vkey := range vkeys {
		parts := strings.SplitN(vkey, "+", 3)
		if len(parts) != 3 {
			return nil, fmt.Errorf("witness vkey %q: not name+id+key", vkey)
		}
		raw, err := base64.StdEncoding.DecodeString(parts[2])
		if err != nil || len(raw) != 1+ed25519.PublicKeySize || raw[0] != 0x04 {
			return nil, fmt.Errorf("witness vkey %q: not a cosignature/v1 Ed25519 key", vkey)
		}
		digest := sha256.Sum256(append([]byte(parts[0]+"\n\x04"), raw[1:]...))
		id := binary.BigEndian.Uint32(digest[:4])
		if fmt.Sprintf("%08x", id) != parts[1] {
			return nil, fmt.Errorf("witness vkey %q: key ID does not match the key", vkey)
		}
		cosigners = append(cosigners, cosigner{parts[0], id, ed25519.PublicKey(raw[1:])})
	}
	return cosigners, nil
}

// verifyCosignatures checks every line of a known witness (note.Open left them unverified):
// 4-byte key ID, 8-byte big-endian timestamp, Ed25519 over "cosignature/v1\ntime <t>\n" and
// the note text. As signed-note says, a known key's bad line rejects the note.
func verifyCosignatures(n *note.Note, cosigners []cosigner) (int, error) {
	count := 0
	for _, sig := range n.UnverifiedSigs {
		for _, c := range cosigners {
			if sig.Name != c.name || sig.Hash != c.id {
				continue
			}
			raw, err := base64.StdEncoding.DecodeString(sig.Base64)
			if err != nil || len(raw) != 4+8+ed25519.SignatureSize {
				return 0, fmt.Errorf("cosignature by %s is malformed", c.name)
			}
			timestamp := binary.BigEndian.Uint64(raw[4:12])
			message := fmt.Sprintf("cosignature/v1\ntime %d\n%s", timestamp, n.Text)
			if !ed25519.Verify(c.key, []byte(message), raw[12:]) {
				return 0, fmt.Errorf("cosignature by %s does not verify", c.name)
			}
			count++
		}
	}
	return count, nil
}

func checkTree(client *tileClient, c checkpoint, samples int) error {
	reader := tlog.TileHashReader(tlog.Tree{N: c.size, Hash: c.root}, client)
	root, err := tlog.TreeHash(c.size, reader)
	if err != nil {
		return fmt.Errorf("size %d: tree hash from tiles: %v", c.size, err)
	}
	if root != c.root {
		return fmt.Errorf("size %d: the tiles hash to %v, not the checkpoint's root", c.size, root)
	}
	for k := 0; k < samples; k++ {
		index := int64(k) * c.size / int64(samples)
		if k == samples-1 {
			index = c.size - 1
		}
		entry, err := client.entry(index)
		if err != nil {
			return fmt.Errorf("size %d: entry %d: %v", c.size, index, err)
		}
		proof, err := tlog.ProveRecord(c.size, index, reader)
		if err != nil {
			return fmt.Errorf("size %d: inclusion proof of %d: %v", c.size, index, err)
		}
		if err := tlog.CheckRecord(proof, c.size, c.root, index, tlog.RecordHash(entry)); err != nil {
			return fmt.Errorf("size %d: entry %d is not included: %v", c.size, index, err)
		}
	}
	return nil
}

// tileClient is a tlog.TileReader over the c2sp.org/tlog-tiles paths, which leave out the
// tile height that Go's paths carry (tile/8/L/N becomes tile/L/N).
type tileClient struct {
	base  string
	http  *http.Client
	cache map[string][]byte // tiles are immutable; TileHashReader still checks each one it uses
}

func (c *tileClient) Height() int { return tileHeight }

func (c *tileClient) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	data := make([][]byte, len(tiles))
	for i, t := range tiles {
		body, err := c.get(strings.Replace(t.Path(), fmt.Sprintf("tile/%d/", tileHeight), "tile/", 1))
		if err != nil {
			return nil, err
		}
		data[i] = body
	}
	return data, nil
}

func (c *tileClient) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

// entry reads entry index from its bundle: big-endian uint16 lengths, then the entry.
func (c *tileClient) entry(index int64) ([]byte, error) {
	n, offset := index/256, int(index%256)
	tile := tlog.Tile{H: tileHeight, L: 0, N: n, W: offset + 1}
	path := strings.Replace(tile.Path(), fmt.Sprintf("tile/%d/0/", tileHeight), "tile/entries/", 1)
	body, err := c.get(path)
	if err != nil {
		return nil, err
	}
	for i := 0; ; i++ {
		if len(body) < 2 {
			return nil, errors.New("entry bundle ends early")
		}
		length := int(binary.BigEndian.Uint16(body))
		if len(body) < 2+length {
			return nil, errors.New("entry bundle ends inside an entry")
		}
		if i == offset {
			return body[2 : 2+length], nil
		}
		body = body[2+length:]
	}
}

func (c *tileClient) get(path string) ([]byte, error) {
	if body, ok := c.cache[path]; ok {
		return body, nil
	}
	response, err := c.http.Get(c.base + "/" + path)
	if err != nil {
		return nil, err
	}
	defer response.Body.Close()
	body, err := io.ReadAll(response.Body)
	if err != nil {
		return nil, err
	}
	if response.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: HTTP %d", path, response.StatusCode)
	}
	c.cache[path] = body
	return body, nil
}
