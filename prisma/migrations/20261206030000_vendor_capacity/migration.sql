-- CreateTable
CREATE TABLE "vendor_leases" (
    "lease_key" TEXT NOT NULL,
    "vendor" TEXT NOT NULL,
    "execution_id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'waiting',
    "requested_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "acquired_at" TIMESTAMPTZ(3),
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "vendor_leases_pkey" PRIMARY KEY ("lease_key")
);

-- CreateTable
CREATE TABLE "vendor_pauses" (
    "vendor" TEXT NOT NULL,
    "paused_until" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "vendor_pauses_pkey" PRIMARY KEY ("vendor")
);

-- CreateIndex
CREATE INDEX "vendor_leases_vendor_state_idx" ON "vendor_leases"("vendor", "state");

-- CreateIndex
CREATE INDEX "vendor_leases_execution_id_idx" ON "vendor_leases"("execution_id");
