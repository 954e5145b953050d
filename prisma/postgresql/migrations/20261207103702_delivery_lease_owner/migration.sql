-- AlterTable
ALTER TABLE "Delivery" ADD COLUMN     "leaseOwner" TEXT,
ADD COLUMN     "possiblyDuplicated" BOOLEAN NOT NULL DEFAULT false;
