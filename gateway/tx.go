package gateway

import (
	"time"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/wire"
	"github.com/sluicesql/sluice/wire/pgerr"
)

// txMode is PostgreSQL's transaction block state, as far as a reader sees
// it.
type txMode int

const (
	// txSingle is one statement of a Query message, or an extended-protocol
	// batch up to Sync (TBLOCK_STARTED): not a transaction block.
	txSingle txMode = iota
	// txMulti is the implicit block of a Query message with several
	// statements (TBLOCK_IMPLICIT_INPROGRESS): a block for SET LOCAL and
	// DECLARE, not for SAVEPOINT.
	txMulti
	// txBlock is an explicit BEGIN ... block.
	txBlock
	// txFailed is an explicit block after an error: only ROLLBACK,
	// ROLLBACK TO and COMMIT (which rolls back) are accepted.
	txFailed
)

// savepointNotFound is SQLSTATE 3B001 (invalid_savepoint_specification).
const savepointNotFound = "3B001"

// txn is the open transaction. Settings are immutable values, so
// remembering them is keeping pointers.
type txn struct {
	mode txMode
	// before is the settings at the start, restored by ROLLBACK; session
	// is what COMMIT keeps: SET LOCAL changes only the current values.
	before, session *settingValues
	savepoints      []savepoint
	// Characteristics of this transaction; "" means the default_ setting.
	isolation, readOnly, deferrable string
	// state is the catalog pinned by the first query of a REPEATABLE READ
	// or SERIALIZABLE transaction.
	state   *catalog.State
	queried bool
	start   time.Time // what now() returns
	// firstPortal is portalSeq at the start: portals created after it die
	// with a rollback, WITH HOLD cursors included.
	firstPortal uint64
	// temp is the temporary tables at the start, restored by ROLLBACK
	// (temp.go).
	temp tempSnapshot
}

type savepoint struct {
	name          string
	vals, session *settingValues
	portalSeq     uint64
	temp          tempSnapshot
}

// inBlock reports whether the session is in a transaction block, as
// PostgreSQL's IsTransactionBlock (an implicit multi-statement block counts).
func (s *Session) inBlock() bool {
	return s.tx != nil && s.tx.mode != txSingle
}

// setValue changes a parameter in the current transaction. A session-level
// SET also becomes what COMMIT keeps; SET LOCAL does not.
func (s *Session) setValue(name, value string, local bool) {
	if s.tx == nil {
		s.vals = s.vals.with(name, value)
		return
	}
	shared := s.tx.session == s.vals
	s.vals = s.vals.with(name, value)
	if !local {
		if shared {
			s.tx.session = s.vals
		} else {
			s.tx.session = s.tx.session.with(name, value)
		}
	}
}

// replaceValues swaps in a whole set of values (RESET ALL, DISCARD ALL).
func (s *Session) replaceValues(v *settingValues) {
	s.vals = v
	if s.tx != nil {
		s.tx.session = v
	}
}

// endTx commits or rolls back the open transaction, closing the portals
// it owns, the one that ran COMMIT or ROLLBACK included: PostgreSQL ends
// the transaction after that portal has finished.
func (s *Session) endTx(commit bool) {
	tx := s.tx
	if tx == nil {
		return
	}
	if commit {
		s.vals = tx.session
	} else {
		s.vals = tx.before
		s.restoreTemp(tx.temp)
	}
	for name, p := range s.portals {
		if !p.hold || (!commit && p.seq > tx.firstPortal) {
			s.closePortal(name)
		}
	}
	s.tx = nil
}

// execTransaction runs BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE and
// ROLLBACK TO with PostgreSQL's tags, warnings and errors.
func (s *Session) execTransaction(t *planner.Transaction, w wire.ResultWriter) error {
	tx := s.tx
	switch t.Kind {
	case planner.TxBegin:
		if tx.mode == txBlock {
			if err := w.Notice(pgerr.SeverityWarning, pgerr.ActiveSQLTransaction, "there is already a transaction in progress"); err != nil {
				return err
			}
		}
		// PostgreSQL applies BEGIN's options even inside a block.
		tx.mode = txBlock
		if err := s.applyTxOptions(t.Options); err != nil {
			return err
		}
		return w.Complete(t.Tag())

	case planner.TxCommit, planner.TxRollback:
		verb := "COMMIT"
		if t.Kind == planner.TxRollback {
			verb = "ROLLBACK"
		}
		if tx.mode == txSingle || tx.mode == txMulti {
			if t.Chain {
				return pgerr.New(pgerr.NoActiveSQLTransaction, "%s AND CHAIN can only be used in transaction blocks", verb)
			}
			if err := w.Notice(pgerr.SeverityWarning, pgerr.NoActiveSQLTransaction, "there is no transaction in progress"); err != nil {
				return err
			}
			s.endTx(t.Kind == planner.TxCommit)
			return w.Complete(verb)
		}
		commit := t.Kind == planner.TxCommit && tx.mode == txBlock
		if !commit {
			verb = "ROLLBACK" // COMMIT of a failed block rolls back, and says so
		}
		isolation, readOnly, deferrable := tx.isolation, tx.readOnly, tx.deferrable
		s.endTx(commit)
		if t.Chain {
			s.tx = &txn{mode: txBlock, before: s.vals, session: s.vals, firstPortal: s.portalSeq,
				isolation: isolation, readOnly: readOnly, deferrable: deferrable, start: time.Now(), temp: s.snapshotTemp()}
		}
		return w.Complete(verb)

	case planner.TxSavepoint:
		if tx.mode != txBlock {
			return pgerr.New(pgerr.NoActiveSQLTransaction, "SAVEPOINT can only be used in transaction blocks")
		}
		tx.savepoints = append(tx.savepoints, savepoint{name: t.Savepoint, vals: s.vals, session: tx.session, portalSeq: s.portalSeq, temp: s.snapshotTemp()})
		return w.Complete("SAVEPOINT")

	case planner.TxRelease:
		if tx.mode != txBlock {
			return pgerr.New(pgerr.NoActiveSQLTransaction, "RELEASE SAVEPOINT can only be used in transaction blocks")
		}
		i := tx.findSavepoint(t.Savepoint)
		if i < 0 {
			return pgerr.New(savepointNotFound, "savepoint \"%s\" does not exist", t.Savepoint)
		}
		tx.savepoints = tx.savepoints[:i]
		return w.Complete("RELEASE")

	case planner.TxRollbackTo:
		if tx.mode != txBlock && tx.mode != txFailed {
			return pgerr.New(pgerr.NoActiveSQLTransaction, "ROLLBACK TO SAVEPOINT can only be used in transaction blocks")
		}
		i := tx.findSavepoint(t.Savepoint)
		if i < 0 {
			return pgerr.New(savepointNotFound, "savepoint \"%s\" does not exist", t.Savepoint)
		}
		sp := tx.savepoints[i]
		tx.savepoints = tx.savepoints[:i+1]
		s.vals, tx.session = sp.vals, sp.session
		s.restoreTemp(sp.temp)
		for name, p := range s.portals {
			if p.seq > sp.portalSeq && p != s.active {
				s.closePortal(name)
			}
		}
		tx.mode = txBlock
		return w.Complete("ROLLBACK")

	case planner.TxPrepare:
		return pgerr.New("55000", "prepared transactions are disabled").
			WithHint("Sluice only reads; there is nothing to prepare.")
	default: // COMMIT PREPARED, ROLLBACK PREPARED
		return pgerr.New(pgerr.UndefinedObject, "prepared transactions are not supported")
	}
}

func (tx *txn) findSavepoint(name string) int {
	for i := len(tx.savepoints) - 1; i >= 0; i-- {
		if tx.savepoints[i].name == name {
			return i
		}
	}
	return -1
}

// applyTxOptions applies BEGIN's or SET TRANSACTION's characteristics.
func (s *Session) applyTxOptions(opts map[string]string) error {
	for _, name := range []string{"transaction_isolation", "transaction_read_only", "transaction_deferrable"} {
		if v, ok := opts[name]; ok {
			if err := s.setTxParam(name, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// setTxParam sets a characteristic of the current transaction with
// PostgreSQL's checks.
func (s *Session) setTxParam(name, value string) error {
	p := lookupParam(name)
	v, err := p.normalize(name, value, "")
	if err != nil {
		return err
	}
	tx := s.tx
	if name == "transaction_isolation" && v != s.showValue(name) {
		if tx.queried {
			return pgerr.New(pgerr.ActiveSQLTransaction, "SET TRANSACTION ISOLATION LEVEL must be called before any query")
		}
		if len(tx.savepoints) > 0 {
			return pgerr.New(pgerr.ActiveSQLTransaction, "SET TRANSACTION ISOLATION LEVEL must not be called in a subtransaction")
		}
	}
	if name == "transaction_deferrable" && v != s.showValue(name) && tx.queried {
		return pgerr.New(pgerr.ActiveSQLTransaction, "SET TRANSACTION [NOT] DEFERRABLE must be called before any query")
	}
	switch name {
	case "transaction_isolation":
		tx.isolation = v
	case "transaction_read_only":
		tx.readOnly = v
	case "transaction_deferrable":
		tx.deferrable = v
	}
	return nil
}
