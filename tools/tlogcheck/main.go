// Command tlogcheck checks a Billchain ledger with Go's own transparency-log code
// (golang.org/x/mod/sumdb/note and sumdb/tlog, Debian's golang-golang-x-mod-dev), not ours.
//
//	tlogcheck -url http://127.0.0.1:8001 -vkey <ledger Ed25519 vkey> -checkpoints DIR
//
// DIR holds checkpoint notes, one per file. For each one tlogcheck
//   - opens the note with note.Open and the ledger's Ed25519 verifier: the signature must verify;
//   - computes the tree hash from the ledger's tiles with tlog.TileHashReader (which authenticates
//     every tile against the tree) and compares it with the checkpoint's root;
//   - for sampled entries, reads the entry bundle, hashes the entry with tlog.RecordHash, and
//     checks an inclusion proof built by tlog.ProveRecord with tlog.CheckRecord;
//   - checks a consistency proof (tlog.ProveTree, tlog.CheckTree) from every other checkpoint
//     smaller than it.
//
// It prints one line per checkpoint and exits 1 at the first failure, naming it.
// Built by the tests in GOPATH mode against the Debian sources: no module download.
package main

import (
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
	file string
	size int64
	root tlog.Hash
}

func main() {
	base := flag.String("url", "", "the ledger's tile prefix")
	vkey := flag.String("vkey", "", "the ledger's Ed25519 verifier key")
	dir := flag.String("checkpoints", "", "a directory of checkpoint notes")
	samples := flag.Int("samples", 8, "entries checked for inclusion per checkpoint")
	flag.Parse()
	if err := run(*base, *vkey, *dir, *samples); err != nil {
		fmt.Println("REJECTED:", err)
		os.Exit(1)
	}
}

func run(base, vkey, dir string, samples int) error {
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
		c, err := openCheckpoint(file, verifier)
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
		fmt.Printf("OK size %d: signature, tree hash from tiles, inclusion, consistency from %d smaller\n", newer.size, i)
	}
	fmt.Printf("VERIFIED %d checkpoints with golang.org/x/mod/sumdb\n", len(checkpoints))
	return nil
}

func openCheckpoint(file string, verifier note.Verifier) (checkpoint, error) {
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
	return checkpoint{filepath.Base(file), size, root}, nil
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
