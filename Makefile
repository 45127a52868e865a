# Accord's everyday commands. `make help` lists them.
PG_URL ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable

.PHONY: help run demo test test-postgres fuzz bench lint build

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

demo: ## load the demo company into SQLite and serve it on 127.0.0.1:8080
	go run ./cmd/accord demo

run: ## serve the API on the default SQLite database (data/accord.db)
	go run ./cmd/accord migrate && go run ./cmd/accord serve

build: ## build ./accord
	go build -o accord ./cmd/accord

test: ## run every test (PostgreSQL tests run when ACCORD_TEST_POSTGRES_URL is set)
	go test ./...

test-postgres: ## run every test, PostgreSQL included, against $(PG_URL)
	ACCORD_TEST_POSTGRES_URL='$(PG_URL)' go test ./...

fuzz: ## fuzz the event decoder and the CSV importer (counted runs: see .ci/run)
	go test -run='^$$' -fuzz=FuzzDecodeBatch -fuzztime=300000x -fuzzminimizetime=2000x ./internal/event
	go test -run='^$$' -fuzz=FuzzImportCSV -fuzztime=150000x -fuzzminimizetime=2000x ./internal/importer

bench: ## ingest benchmark on SQLite and PostgreSQL, against a plain INSERT baseline
	go run ./cmd/accord bench ingest --db sqlite: --json
	go run ./cmd/accord bench ingest --db '$(PG_URL)' --json

lint: ## gofmt and go vet
	@test -z "$$(gofmt -l .)" || (gofmt -l . && exit 1)
	go vet ./...
