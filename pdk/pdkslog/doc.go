// Package pdkslog is a log/slog handler for plug-ins built with package pdk:
// records go to the host's log through the ABI's log functions.
//
//	var logger = slog.New(pdkslog.NewHandler(nil))
//
//	logger.Info("fetched", "url", u, "status", resp.Status)
//
// It is a package of its own because log/slog adds about a megabyte to a
// plug-in; plug-ins that do not use it do not pay for it. Every file but this
// one has the build tag wasip1.
package pdkslog
