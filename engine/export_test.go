package engine

// PoisonFreedBuffers makes e overwrite every buffer its queries release, so
// that a test reading a released buffer sees garbage instead of passing
// by luck when the pool has not yet handed the buffer out again. Buffers
// from 64 bytes are pooled, so that small test tables go through the pool.
func PoisonFreedBuffers(e *Engine) *Engine {
	p := e.mem.(*bufferPool)
	p.poison, p.min = true, 64
	return e
}
