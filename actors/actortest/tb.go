package actortest

// TB is the part of testing.TB the doubles of this package use: *testing.T,
// *testing.B and *testing.F satisfy it. Fatalf must not return (the testing
// types end the goroutine); Cleanup functions run when the test ends, last
// registered first.
type TB interface {
	Helper()
	Cleanup(func())
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}
