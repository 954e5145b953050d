-- AlterTable
ALTER TABLE "Response" ADD COLUMN     "clientId" TEXT,
ADD COLUMN     "householdId" TEXT,
ADD COLUMN     "mode" TEXT NOT NULL DEFAULT 'self',
ALTER COLUMN "residentId" DROP NOT NULL;

-- CreateTable
CREATE TABLE "Household" (
    "id" TEXT NOT NULL,
    "regionId" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "addressKey" TEXT NOT NULL,
    "headName" TEXT,
    "phone" TEXT,
    "officerId" TEXT,
    "residentId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Household_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Visit" (
    "id" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "officerId" TEXT NOT NULL,
    "householdId" TEXT NOT NULL,
    "visitedAt" TIMESTAMP(3) NOT NULL,
    "leaflet" BOOLEAN NOT NULL,
    "tips" TEXT NOT NULL,
    "survey" TEXT NOT NULL,
    "notes" TEXT,
    "responseId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Visit_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Household_residentId_key" ON "Household"("residentId");

-- CreateIndex
CREATE INDEX "Household_officerId_idx" ON "Household"("officerId");

-- CreateIndex
CREATE UNIQUE INDEX "Household_regionId_addressKey_key" ON "Household"("regionId", "addressKey");

-- CreateIndex
CREATE INDEX "Visit_householdId_idx" ON "Visit"("householdId");

-- CreateIndex
CREATE INDEX "Visit_visitedAt_idx" ON "Visit"("visitedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Visit_officerId_clientId_key" ON "Visit"("officerId", "clientId");

-- CreateIndex
CREATE UNIQUE INDEX "Response_householdId_waveId_key" ON "Response"("householdId", "waveId");

-- CreateIndex
CREATE UNIQUE INDEX "Response_officerId_clientId_key" ON "Response"("officerId", "clientId");

-- AddForeignKey
ALTER TABLE "Household" ADD CONSTRAINT "Household_regionId_fkey" FOREIGN KEY ("regionId") REFERENCES "Region"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Household" ADD CONSTRAINT "Household_officerId_fkey" FOREIGN KEY ("officerId") REFERENCES "Resident"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Household" ADD CONSTRAINT "Household_residentId_fkey" FOREIGN KEY ("residentId") REFERENCES "Resident"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Visit" ADD CONSTRAINT "Visit_officerId_fkey" FOREIGN KEY ("officerId") REFERENCES "Resident"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Visit" ADD CONSTRAINT "Visit_householdId_fkey" FOREIGN KEY ("householdId") REFERENCES "Household"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Response" ADD CONSTRAINT "Response_householdId_fkey" FOREIGN KEY ("householdId") REFERENCES "Household"("id") ON DELETE SET NULL ON UPDATE CASCADE;
