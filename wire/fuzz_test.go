package wire

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

func encodeAll(tb testing.TB, msgs ...pgproto3.FrontendMessage) []byte {
	var b []byte
	for _, m := range msgs {
		var err error
		if b, err = m.Encode(b); err != nil {
			tb.Fatal(err)
		}
	}
	return b
}

// FuzzMessageLoop feeds arbitrary bytes to a connection after a valid
// startup. The server must neither panic nor hang: every connection ends
// once the client stops sending, within a deadline.
func FuzzMessageLoop(f *testing.F) {
	f.Add(encodeAll(f, &pgproto3.Query{String: "select 1"}))
	f.Add(encodeAll(f, &pgproto3.Query{String: "select 1; " + seriesSQL(20)}, &pgproto3.Query{String: ""}))
	f.Add(encodeAll(f,
		&pgproto3.Parse{Name: "s", Query: seriesSQL(10)}, &pgproto3.Describe{ObjectType: 'S', Name: "s"},
		&pgproto3.Bind{DestinationPortal: "p", PreparedStatement: "s", ResultFormatCodes: []int16{1, 0}},
		&pgproto3.Describe{ObjectType: 'P', Name: "p"}, &pgproto3.Execute{Portal: "p", MaxRows: 3}, &pgproto3.Flush{},
		&pgproto3.Execute{Portal: "p"}, &pgproto3.Close{ObjectType: 'P', Name: "p"}, &pgproto3.Sync{}))
	f.Add(encodeAll(f, &pgproto3.Parse{Query: "selec"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{}, &pgproto3.Query{String: "select 1"}))
	f.Add(encodeAll(f, &pgproto3.Parse{Query: "select $1::int8", ParameterOIDs: []uint32{20}},
		&pgproto3.Bind{ParameterFormatCodes: []int16{1}, Parameters: [][]byte{binaryInt8(7)}, ResultFormatCodes: []int16{1}},
		&pgproto3.Execute{}, &pgproto3.Sync{}))
	f.Add(encodeAll(f, &pgproto3.Query{String: "copy (" + weirdSQL() + ") to stdout with (format csv, header)"}))
	f.Add(encodeAll(f, &pgproto3.CopyData{Data: []byte("x")}, &pgproto3.FunctionCall{Function: 1}, &pgproto3.Terminate{}))
	f.Add([]byte{'Z', 0, 0, 0, 4})
	f.Add([]byte{'Q', 0, 0, 0, 2})
	f.Add([]byte{'Q', 0x7f, 0xff, 0xff, 0xff})
	f.Add([]byte{'B', 0, 0, 0, 12, 0, 0, 0, 1, 0, 1, 0xff, 0xff})

	h := &testHandler{bounded: true}
	srv, err := NewServer(Config{Handler: h, MaxMessageSize: 64 << 10, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(context.Background(), ln) }()
	f.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			f.Errorf("Shutdown: %v", err)
		}
		<-served
	})
	startup := encodeAll(f, &pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "sluice"}})

	f.Fuzz(func(t *testing.T, data []byte) {
		nc, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(10 * time.Second))
		// Read while writing: the server may answer more than the socket
		// buffers hold before it has read everything.
		drained := make(chan error, 1)
		go func() {
			_, err := io.Copy(io.Discard, nc)
			drained <- err
		}()
		nc.Write(startup)
		nc.Write(data)
		nc.(*net.TCPConn).CloseWrite()
		if err := <-drained; err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("the server did not end the connection within 10s")
			}
		}
		if n := srv.panics.Load(); n != 0 {
			t.Fatalf("%d panics", n)
		}
	})
}
